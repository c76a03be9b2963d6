"""Imports whose media parts name URLs run as jobs: a worker fetches the media (with the same
SSRF rules as any fetch) and imports all or nothing."""

from __future__ import annotations

import json

from support.api import jsonl
from support.fake_openai import tiny_png


def _run(researcher, slug: str, rows: list[dict]) -> dict:
    from prefhub.items.tasks import execute_import

    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert created.status_code == 202, created.text
    assert created.json()["status"] == "queued"
    execute_import(created.json()["id"])
    return researcher.get(f"/api/import-jobs/{created.json()['id']}").json()


def _row(item_id: str, *urls: str) -> dict:
    return {
        "id": item_id,
        "prompt": "Which picture is brighter?",
        "candidates": [{"content": [{"type": "image", "url": url}]} for url in urls],
    }


def test_a_worker_fetches_url_parts_and_imports_them(
    campaign, media_server, allow_loopback, as_user
):
    researcher, slug = campaign
    first = media_server.serve("/a.png", tiny_png("a", size=10))
    second = media_server.serve("/b.png", tiny_png("b", size=10))
    direct = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("i.jsonl", jsonl([_row("x", first, second)]), "application/jsonl")},
    )
    assert direct.status_code == 422 and "import-jobs" in direct.text

    job = _run(researcher, slug, [_row("x", first, second)])
    assert (job["status"], job["imported"], job["ready"], job["error"]) == (
        "succeeded",
        1,
        1,
        None,
    )
    (item,) = researcher.get(f"/api/campaigns/{slug}/items").json()["items"]
    parts = [c["content"][0] for c in item["candidates"]]
    assert [p["type"] for p in parts] == ["image", "image"] and parts[0]["width"] == 10
    served = researcher.get(f"/api/media/{parts[0]['sha256']}")
    assert served.status_code == 200 and served.content == tiny_png("a", size=10)
    assert sorted(path for path, _ in media_server.requests) == ["/a.png", "/b.png"]
    # Someone else's researcher may not see the job.
    other = as_user("researcher").get("/api/import-jobs/" + str(job["id"]))
    assert other.status_code == 404


def test_a_refused_url_fails_the_whole_import_with_its_line(campaign, media_server):
    researcher, slug = campaign
    # Loopback is refused by default: the test server may not be fetched at all.
    good = media_server.serve("/ok.png", tiny_png("ok"))
    rows = [_row("one", good, good), _row("two", "http://169.254.169.254/latest/meta-data")]
    job = _run(researcher, slug, rows)
    assert job["status"] == "failed" and job["imported"] is None, job
    assert job["error"]["code"] == "import_invalid"
    errors = job["error"]["details"]["errors"]
    assert {e["line"] for e in errors} == {1, 2}
    assert all("not a public internet address" in e["message"] for e in errors)
    assert "169.254.169.254" in json.dumps(job["error"])
    assert researcher.get(f"/api/campaigns/{slug}/items").json()["items"] == []
    assert media_server.requests == []


def test_an_import_job_fetches_its_urls_before_it_holds_the_database(
    campaign, allow_loopback, as_user, db, unique
):
    """While a slow server drips an import's picture, other writers go on: the import takes
    the database (on SQLite, its one write lock) only once every URL is fetched."""
    import threading
    import time

    from prefhub.auth.service import create_user
    from prefhub.items.tasks import execute_import
    from prefhub.models import Role
    from support.drip_server import DripServer

    researcher, slug = campaign
    with DripServer(drip_interval=0.05) as server:
        url = server.serve("/slow.png", tiny_png("slow", size=8))
        server.slow.set()  # 0.05 s per byte: the fetch takes seconds
        created = researcher.post(
            f"/api/campaigns/{slug}/items/import-jobs",
            files={"file": ("items.jsonl", jsonl([_row("s", url, url)]), "application/jsonl")},
        )
        runner = threading.Thread(target=execute_import, args=(created.json()["id"],))
        runner.start()
        time.sleep(0.5)  # the job has started fetching
        assert runner.is_alive() and server.count("/slow.png") == 1
        with db() as session:  # a writer: it must not wait for the fetch
            create_user(
                session,
                email=f"w-{unique}@example.org",
                password="pw-long-enough",
                role=Role.annotator,
            )
        # Done while the fetch still runs: the import held nothing that this write needs.
        assert runner.is_alive(), "the write waited for the import's fetch"
        server.slow.clear()
        runner.join(30)
    job = researcher.get(f"/api/import-jobs/{created.json()['id']}").json()
    assert (job["status"], job["imported"]) == ("succeeded", 1)
    assert server.count("/slow.png") == 1  # the same URL twice in a file is fetched once
