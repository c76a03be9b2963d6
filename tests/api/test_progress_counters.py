"""The progress counters (``campaign_item_counts``, ``annotator_judgment_counts``) that the
database's triggers keep equal the real counts after every kind of write: imports (direct and
by job, a failed job), submits, revisions, skips, expired leases, gold items, adaptive
redundancy sending a complete item back, researchers' bulk status changes and deletions of
items, judgments and campaigns; and the migration's backfill counts the same."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url

from support.api import items, jsonl, pairwise_spec
from support.judging import answer_again

TRIGGERS = {
    "items_counted_insert",
    "items_counted_update",
    "items_counted_delete",
    "judgments_counted_insert",
    "judgments_counted_update",
    "judgments_counted_delete",
}
REAL_ITEMS = """
    SELECT campaign_id,
           sum(CASE WHEN status <> 'importing' THEN 1 ELSE 0 END),
           sum(CASE WHEN status = 'complete' THEN 1 ELSE 0 END)
    FROM items GROUP BY campaign_id"""
COUNTED_ITEMS = """
    SELECT campaign_id, sum(items_total), sum(items_complete)
    FROM campaign_item_counts GROUP BY campaign_id"""
REAL_JUDGMENTS = """
    SELECT campaign_id, annotator_id, count(*) FROM judgments
    WHERE supersedes_id IS NULL GROUP BY campaign_id, annotator_id"""
COUNTED_JUDGMENTS = "SELECT campaign_id, annotator_id, judgments FROM annotator_judgment_counts"


def _nonzero(rows: Any) -> set[tuple[int, ...]]:
    """Rows whose counts are not all zero (a counter row may stay at 0 once its rows are gone)."""
    return {tuple(int(v) for v in row) for row in rows if any(int(v) for v in row[-2:])}


def _real_and_counted(connection: Any) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]]]:
    real = _nonzero(connection.execute(text(REAL_ITEMS))) | {
        ("j", *row) for row in _nonzero(connection.execute(text(REAL_JUDGMENTS)))
    }
    counted = _nonzero(connection.execute(text(COUNTED_ITEMS))) | {
        ("j", *row) for row in _nonzero(connection.execute(text(COUNTED_JUDGMENTS)))
    }
    return real, counted  # type: ignore[return-value]


def _assert_counters_right(db: Any) -> None:
    with db() as session:
        real, counted = _real_and_counted(session.connection())
    assert counted == real
    assert real  # the workload left something to count


def _submit(person: Any, slug: str, task: dict[str, Any], choice: str = "A") -> int:
    response = person.post(
        f"/api/annotate/{slug}/submit",
        json={
            "assignment_id": task["assignment_id"],
            "client_id": str(uuid.uuid4()),
            "answers": {"preference": {"choice": choice}},
            "time_spent_ms": 100,
        },
    )
    assert response.status_code == 200, response.text
    return int(response.json()["judgment_id"])


def _next(person: Any, slug: str) -> dict[str, Any]:
    response = person.get(f"/api/annotate/{slug}/next")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _campaign(researcher: Any, slug: str, rows: list[dict[str, Any]], **spec: Any) -> int:
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug, **spec))
    assert created.status_code == 201, created.text
    imported = researcher.post(
        f"/api/campaigns/{slug}/items/import",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert imported.status_code == 201, imported.text
    return int(created.json()["id"])


def _import_job(researcher: Any, slug: str, rows: list[dict[str, Any]]) -> str:
    from prefhub.items.tasks import execute_import

    created = researcher.post(
        f"/api/campaigns/{slug}/items/import-jobs",
        files={"file": ("items.jsonl", jsonl(rows), "application/jsonl")},
    )
    assert created.status_code == 202, created.text
    execute_import(created.json()["id"])
    return str(researcher.get(f"/api/import-jobs/{created.json()['id']}").json()["status"])


def _delete_campaign(researcher: Any, slug: str, judgments: int) -> None:
    for status in ("closed", "archived"):
        moved = researcher.post(f"/api/campaigns/{slug}/status", json={"status": status})
        assert moved.status_code == 200, moved.text
    deleted = researcher.delete(
        f"/api/campaigns/{slug}", params={"confirm": slug, "judgments": judgments}
    )
    assert deleted.status_code == 204, deleted.text


def _workload(as_user: Any, db: Any, unique: str) -> None:
    """Every kind of write the counters must follow, on three campaigns."""
    from prefhub.kit.time import utcnow
    from prefhub.models import Assignment, Item, ItemStatus, Judgment

    researcher = as_user("researcher")
    plain, adaptive, doomed = f"plain-{unique}", f"adapt-{unique}", f"doomed-{unique}"
    gold = [{**row, "id": f"gold-{i}", "gold": True} for i, row in enumerate(items(2))]
    plain_id = _campaign(researcher, plain, items(6) + gold, redundancy=2)
    assert _import_job(researcher, plain, items(30, prefix="job")) == "succeeded"
    # A job that fails at its last line writes nothing that stays.
    failing = [*items(30, prefix="late"), {"id": "late-bad", "prompt": ""}]
    assert _import_job(researcher, plain, failing) == "failed"
    adaptive_id = _campaign(
        researcher,
        adaptive,
        items(2),
        redundancy=3,
        adaptive={"agree_after": 2, "max_judgments": 4},
    )
    _campaign(researcher, doomed, items(3), redundancy=1)

    alice, bob, carol = as_user(), as_user(), as_user()
    progress: list[dict[str, int]] = []
    for person in (alice, bob):
        for _ in range(7):
            served = _next(person, plain)
            progress.append(served["progress"])
            _submit(person, plain, served["task"])
    # A revision counts once; a skip and an expired lease count nothing.
    first = _submit(carol, plain, _next(carol, plain)["task"])
    answer_again(carol, plain, first, "B")
    skipped = _next(carol, plain)["task"]
    assert carol.post(
        f"/api/annotate/{plain}/skip", json={"assignment_id": skipped["assignment_id"]}
    ).status_code in (200, 204)
    lapsing = _next(carol, plain)["task"]
    with db() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == lapsing["assignment_id"])
            .values(expires_at=utcnow() - timedelta(days=1))
        )
    _submit(bob, plain, _next(bob, plain)["task"])

    # Adaptive: two disagree, so a third and fourth judge; everyone judges both items.
    for person, choice in ((alice, "A"), (bob, "B"), (carol, "A")):
        for _ in range(2):
            task = _next(person, adaptive)["task"]
            if task is not None:
                _submit(person, adaptive, task, choice)
    _submit(alice, doomed, _next(alice, doomed)["task"])
    _assert_counters_right(db)

    with db() as session:
        # A researcher's bulk changes (many rows per statement): complete items re-opened,
        # ready items closed, an item and its judgments deleted.
        session.execute(
            update(Item)
            .where(Item.campaign_id == plain_id, Item.status == ItemStatus.complete)
            .values(status=ItemStatus.ready)
        )
        session.execute(
            update(Item)
            .where(Item.campaign_id == plain_id, Item.judgment_count == 0)
            .values(status=ItemStatus.complete)
        )
        # (its judgments, leases and candidates go by the foreign keys' cascades)
        victim = select(Item.id).where(Item.campaign_id == plain_id, Item.judgment_count > 0)
        session.execute(delete(Item).where(Item.id == victim.limit(1).scalar_subquery()))
        # Judgments written many at a time (as a seed does) and one turned into a revision.
        template = session.scalars(
            select(Judgment).where(Judgment.campaign_id == adaptive_id).limit(1)
        ).one()
        session.execute(
            insert(Judgment),
            [
                {
                    "client_id": uuid.uuid4().hex,
                    "assignment_id": template.assignment_id,
                    "campaign_id": plain_id,
                    "item_id": template.item_id,
                    "annotator_id": template.annotator_id,
                    "campaign_version": 1,
                    "answers": {"preference": {"choice": "A"}},
                    "shown_order": template.shown_order,
                }
                for _ in range(3)
            ],
        )
        newest = session.scalar(select(func.max(Judgment.id)))
        session.execute(
            update(Judgment).where(Judgment.id == newest).values(supersedes_id=template.id)
        )
        # Items written directly ready, many in one statement.
        session.execute(
            insert(Item),
            [
                {
                    "campaign_id": adaptive_id,
                    "external_id": f"seeded-{i}",
                    "context": [{"role": "user", "content": [{"type": "text", "text": "?"}]}],
                    "status": status,
                }
                for i, status in enumerate([ItemStatus.ready, ItemStatus.complete] * 5)
            ],
        )
    _assert_counters_right(db)

    _delete_campaign(researcher, doomed, 1)
    mine = _next(alice, plain)["progress"]
    with db() as session:
        real_mine = session.scalar(
            select(func.count(Judgment.id)).where(
                Judgment.campaign_id == plain_id,
                Judgment.annotator_id == alice.user_id,
                Judgment.supersedes_id.is_(None),
            )
        )
        real_total, real_complete = session.execute(
            select(
                func.count(Item.id).filter(Item.status != ItemStatus.importing),
                func.count(Item.id).filter(Item.status == ItemStatus.complete),
            ).where(Item.campaign_id == plain_id)
        ).one()
    assert (mine["my_judgments"], mine["items_total"], mine["items_complete"]) == (
        real_mine,
        real_total,
        real_complete,
    )
    assert progress[0]["items_total"] == 38 and progress[0]["my_judgments"] == 0
    assert [p["my_judgments"] for p in progress[:7]] == list(range(7))
    # The researcher's view reads the same counters (and, for an adaptive campaign, its items'
    # own numbers of judgments wanted).
    listed = researcher.get("/api/campaigns").json()["campaigns"]
    shown = {c["slug"]: c["progress"] for c in listed}
    with db() as session:
        for slug, campaign_id, k in ((plain, plain_id, 2), (adaptive, adaptive_id, 3)):
            items_row = session.execute(
                select(
                    func.count(Item.id),
                    func.count(Item.id).filter(Item.status == ItemStatus.complete),
                    func.count(Item.judgments_wanted),
                    func.coalesce(func.sum(Item.judgments_wanted), 0),
                ).where(Item.campaign_id == campaign_id, Item.status != ItemStatus.importing)
            ).one()
            first_judgments = session.scalar(
                select(func.count(Judgment.id)).where(
                    Judgment.campaign_id == campaign_id, Judgment.supersedes_id.is_(None)
                )
            )
            n_items, n_complete, n_own, own_sum = items_row
            assert n_own > 0 or slug == plain  # the adaptive items' own numbers are counted
            assert shown[slug] == {
                "items": n_items,
                "items_complete": n_complete,
                "judgments": first_judgments,
                "judgments_target": (n_items - n_own) * k + own_sum,
            }


def test_counters_equal_the_real_counts_after_a_mixed_workload(as_user, db, unique) -> None:  # type: ignore[no-untyped-def]
    _workload(as_user, db, unique)
    _assert_counters_right(db)


def test_deleting_a_campaign_takes_its_counters(as_user, db, unique) -> None:  # type: ignore[no-untyped-def]
    researcher = as_user("researcher")
    slug = f"gone-{unique}"
    campaign_id = _campaign(researcher, slug, items(4), redundancy=1)
    alice = as_user()
    _submit(alice, slug, _next(alice, slug)["task"])
    rows = text(
        "SELECT (SELECT count(*) FROM campaign_item_counts WHERE campaign_id = :c),"
        " (SELECT count(*) FROM annotator_judgment_counts WHERE campaign_id = :c)"
    )
    with db() as session:
        before = tuple(session.execute(rows, {"c": campaign_id}).one())
    assert before[0] >= 1 and before[1] == 1
    _delete_campaign(researcher, slug, 1)
    with db() as session:
        assert tuple(session.execute(rows, {"c": campaign_id}).one()) == (0, 0)


def test_the_counting_triggers_exist_at_head(db) -> None:  # type: ignore[no-untyped-def]
    """SQLite drops a table's triggers when a migration rebuilds the table: this fails then."""
    with db() as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        names = set(connection.execute(text(query)).scalars())
    assert names >= TRIGGERS


@pytest.fixture
def copy_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Copies the test database as it is now, to migrate down and up without touching it."""
    url = make_url(database_url)
    made: list[str] = []
    admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def copy() -> str:
        if url.get_backend_name() == "sqlite":
            target = tmp_path / "copy.db"
            with sqlite3.connect(str(url.database)) as source, sqlite3.connect(target) as dest:
                source.backup(dest)
            return f"sqlite:///{target}"
        name = f"prefhub_copy_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        libpq = url.set(drivername="postgresql")
        dump = subprocess.run(
            ["pg_dump", "--no-owner", libpq.render_as_string(hide_password=False)],
            check=True,
            capture_output=True,
        )
        target_url = libpq.set(database=name).render_as_string(hide_password=False)
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", target_url],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return url.set(database=name).render_as_string(hide_password=False)

    yield copy
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_migration_backfills_the_real_counts(as_user, db, unique, copy_database) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from prefhub.cli.main import alembic_config

    _workload(as_user, db, unique)
    copy_url = copy_database()
    config = alembic_config()
    config.attributes["database_url"] = copy_url
    engine = create_engine(copy_url)
    try:
        command.downgrade(config, "2550_gold_indexes")
        with engine.connect() as connection:
            names = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
                if connection.dialect.name == "sqlite"
                else text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
            assert "campaign_item_counts" not in set(names)
        command.upgrade(config, "head")
        with engine.connect() as connection:
            real, counted = _real_and_counted(connection)
        assert counted == real and real
    finally:
        engine.dispose()
