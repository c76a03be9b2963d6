"""The jobs sweeper removes the hidden ``importing`` rows an import job left behind (its
cleanup failed for good, or it was resumed after the sweeper gave up on it, which forgets
what it wrote): once they are older than the grace period and no import job of their
campaign is queued or running. Rows an open job may still publish stay, and so does
everything already imported."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from support.api import create_campaign_with_items, items, jsonl, pairwise_spec


def _hidden_item(campaign_id: int, external_id: str, created_at, candidates: int = 0):  # type: ignore[no-untyped-def]
    from prefhub.models import Candidate, Item, ItemStatus

    return Item(
        campaign_id=campaign_id,
        external_id=external_id,
        context=[{"role": "user", "content": [{"type": "text", "text": external_id}]}],
        status=ItemStatus.importing,
        created_at=created_at,
        candidates=[
            Candidate(position=n, content=[{"type": "text", "text": f"answer {n}"}])
            for n in range(candidates)
        ],
    )


def _items_of(db, campaign_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from prefhub.models import Item

    with db() as session:
        rows = session.execute(
            select(Item.external_id, Item.status).where(Item.campaign_id == campaign_id)
        ).all()
    return {external_id: str(status) for external_id, status in rows}


def _candidates_of(db, item_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    from prefhub.models import Candidate

    with db() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Candidate).where(Candidate.item_id.in_(item_ids))
            )
            or 0
        )


def test_the_sweeper_removes_import_rows_that_no_open_job_will_finish(as_user, unique, db):
    from prefhub.jobs import sweeper
    from prefhub.kit.time import utcnow
    from prefhub.models import Item

    researcher = as_user("researcher")
    orphaned, busy = f"orphans-{unique}", f"busy-{unique}"
    create_campaign_with_items(researcher, orphaned, n_items=1)
    create_campaign_with_items(researcher, busy, n_items=1)
    ids = {slug: researcher.get(f"/api/campaigns/{slug}").json()["id"] for slug in (orphaned, busy)}
    # An import job of the busy campaign is open (queued; no worker runs in this test).
    job = researcher.post(
        f"/api/campaigns/{busy}/items/import-jobs",
        files={"file": ("more.jsonl", jsonl(items(2, prefix="more")), "application/jsonl")},
    )
    assert job.status_code == 202, job.text
    assert job.json()["status"] == "queued"

    long_ago = utcnow() - timedelta(hours=2)
    with db() as session:
        left = [_hidden_item(ids[orphaned], f"left-{n}", long_ago, candidates=2) for n in range(3)]
        fresh = _hidden_item(ids[orphaned], "being-written", utcnow())
        held = [_hidden_item(ids[busy], f"held-{n}", long_ago, candidates=1) for n in range(2)]
        session.add_all([*left, fresh, *held])
        session.flush()
        left_ids = [i.id for i in left]
        # Age does not matter to imported items: only hidden ones are leftovers.
        session.execute(
            Item.__table__.update()
            .where(Item.campaign_id.in_(ids.values()), Item.external_id.like("item-%"))
            .values(created_at=long_ago)
        )
    assert _candidates_of(db, left_ids) == 6

    sweeper.sweep()

    assert _items_of(db, ids[orphaned]) == {"item-0": "ready", "being-written": "importing"}
    assert _candidates_of(db, left_ids) == 0
    assert _items_of(db, ids[busy]) == {
        "item-0": "ready",
        "held-0": "importing",
        "held-1": "importing",
    }
    # What annotators and the researcher see never changed.
    for slug in (orphaned, busy):
        assert researcher.get(f"/api/campaigns/{slug}").json()["progress"]["items"] == 1

    # Once the busy campaign's import is over (cancelled here), its leftovers go too.
    cancelled = researcher.post(f"/api/jobs/{job.json()['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    sweeper.sweep()
    assert _items_of(db, ids[busy]) == {"item-0": "ready"}
    assert _items_of(db, ids[orphaned]) == {"item-0": "ready", "being-written": "importing"}


def test_leftovers_are_removed_in_batches_and_counted(as_user, unique, db):
    from prefhub.items.jobs import ITEMS_PER_BATCH, remove_leftovers
    from prefhub.kit.time import utcnow

    researcher = as_user("researcher")
    slug = f"many-{unique}"
    created = researcher.post("/api/campaigns", json=pairwise_spec(slug))
    assert created.status_code == 201, created.text
    campaign_id = researcher.get(f"/api/campaigns/{slug}").json()["id"]
    count = ITEMS_PER_BATCH * 2 + 7
    with db() as session:
        session.add_all(
            _hidden_item(campaign_id, f"left-{n}", utcnow() - timedelta(hours=1))
            for n in range(count)
        )
    # Within a longer grace period they are not leftovers yet.
    assert remove_leftovers(utcnow(), grace=timedelta(hours=2)) == 0
    assert len(_items_of(db, campaign_id)) == count
    assert remove_leftovers(utcnow()) == count
    assert _items_of(db, campaign_id) == {}


def test_an_import_resumed_after_the_sweeper_gave_up_on_it_imports_its_file(as_user, unique, db):
    from prefhub.items.jobs import WRITTEN
    from prefhub.items.tasks import execute_import
    from prefhub.jobs import sweeper
    from prefhub.kit.time import utcnow
    from prefhub.models import Job, JobStatus
    from prefhub.settings import get_settings

    researcher = as_user("researcher")
    slug = f"resumed-{unique}"
    assert researcher.post("/api/campaigns", json=pairwise_spec(slug)).status_code == 201
    campaign_id = researcher.get(f"/api/campaigns/{slug}").json()["id"]

    def import_job(rows: list) -> int:  # type: ignore[type-arg]
        made = researcher.post(
            f"/api/campaigns/{slug}/items/import-jobs",
            files={"file": ("i.jsonl", jsonl(rows), "application/jsonl")},
        )
        assert made.status_code == 202, made.text
        return int(made.json()["id"])

    dying, other = import_job(items(3, prefix="r")), import_job(items(1, prefix="o"))
    long_ago = utcnow() - timedelta(hours=1)
    with db() as session:
        # The dying job's worker wrote two of its items, then died for the last time; the
        # other job is running now, one batch written.
        written = {
            job_id: [_hidden_item(campaign_id, external_id, utcnow()) for external_id in ids]
            for job_id, ids in ((dying, ("r-0", "r-1")), (other, ("o-0",)))
        }
        session.add_all([i for hidden in written.values() for i in hidden])
        session.flush()
        for job_id, hidden in written.items():
            job = session.get_one(Job, job_id)
            job.status = JobStatus.running
            job.error_details = {WRITTEN: [[i.id, i.id] for i in hidden]}
            job.heartbeat_at = job.dispatched_at = long_ago if job_id == dying else utcnow()
            job.attempts = get_settings().job_max_attempts if job_id == dying else 1
    sweeper.sweep()
    given_up = researcher.get(f"/api/jobs/{dying}").json()
    assert (given_up["status"], given_up["error"]["code"]) == ("failed", "worker_lost")
    assert _items_of(db, campaign_id) == {
        "r-0": "importing",
        "r-1": "importing",
        "o-0": "importing",
    }

    resumed = researcher.post(f"/api/jobs/{dying}/resume")
    assert resumed.status_code == 202, resumed.text
    # What the dead run wrote is gone; the running import's batch is not.
    assert _items_of(db, campaign_id) == {"o-0": "importing"}
    done = execute_import(dying)
    assert done is not None and done.status == JobStatus.succeeded, done and done.error_message
    assert (done.imported, done.ready) == (3, 3)
    assert _items_of(db, campaign_id) == {
        "r-0": "ready",
        "r-1": "ready",
        "r-2": "ready",
        "o-0": "importing",
    }
