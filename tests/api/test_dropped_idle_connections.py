"""API processes take pooled connections without a test statement first (no pre-ping round trip
per request): a connection the server dropped while it sat in the pool costs the one request
that meets it a 503 ``database_unavailable`` with Retry-After, and the pool then replaces every
connection older than the drop, so the request sent again is served.
"""

from __future__ import annotations

import os

import psycopg
import pytest

from support.api import create_campaign_with_items


def test_connections_dropped_in_the_pool_cost_one_503_then_requests_are_served(
    as_user, database_url, unique
):
    if os.environ.get("PREFHUB_TEST_DB", "sqlite") != "postgresql":
        print("\nSKIP: dropping the pool's connections needs PostgreSQL (PREFHUB_TEST_DB)")
        pytest.skip("dropping the pool's connections needs PostgreSQL")
    slug = f"dropped-{unique}"
    create_campaign_with_items(as_user("researcher"), slug, n_items=3, redundancy=1)
    annotator = as_user()
    next_url = f"/api/annotate/{slug}/next"
    assert annotator.get(next_url).status_code == 200  # the pool holds live connections

    # The server ends every connection to this database (a restart, an idle timeout).
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert ended is not None and ended[0] >= 1

    met = annotator.get(next_url)
    assert met.status_code == 503, met.text
    assert met.json()["error"]["code"] == "database_unavailable"
    assert met.headers["Retry-After"] == "2"
    for _ in range(3):
        again = annotator.get(next_url)
        assert again.status_code == 200, again.text
        assert again.json()["task"] is not None
