"""``prefhub campaigns status`` and ``prefhub campaigns delete``."""

from __future__ import annotations

from sqlalchemy import func, select


def _status(db, slug: str) -> str:
    from prefhub.models import Campaign

    with db() as session:
        return str(session.scalar(select(Campaign.status).where(Campaign.slug == slug)))


def test_a_draft_made_on_the_command_line_is_activated_and_deleted_when_empty(
    cli, owner, unique, tmp_path, db
):
    slug = f"cli-draft-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Draft\nslug: {slug}\nquestions:\n  - kind: pairwise\n")
    created = cli("campaigns", "create", str(spec), "--owner", owner, "--status", "draft")
    assert created.exit_code == 0, created.output
    assert _status(db, slug) == "draft"

    refused = cli("campaigns", "status", slug, "closed")
    assert refused.exit_code == 1
    assert "cannot become closed" in refused.output and "active" in refused.output
    assert _status(db, slug) == "draft"
    assert cli("campaigns", "status", slug, "active").exit_code == 0
    assert _status(db, slug) == "active"

    not_yet = cli("campaigns", "delete", slug)
    assert not_yet.exit_code == 1 and "only a draft or an archived" in not_yet.output
    for status in ("closed", "archived"):
        assert cli("campaigns", "status", slug, status).exit_code == 0
    deleted = cli("campaigns", "delete", slug)
    assert deleted.exit_code == 0, deleted.output
    assert _status(db, slug) == "None"


def test_deleting_judgments_needs_yes_and_their_count(cli, judged, db):
    from prefhub.models import Campaign, Judgment

    for status in ("closed", "archived"):
        assert cli("campaigns", "status", judged, status).exit_code == 0
    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == judged))
        count = session.scalar(
            select(func.count()).select_from(Judgment).where(Judgment.campaign_id == campaign_id)
        )
    assert count

    refused = cli("campaigns", "delete", judged)
    assert refused.exit_code == 1
    assert f"judgments: {count}" in refused.output
    wrong = cli("campaigns", "delete", judged, "--yes", "--judgments", str(count + 1))
    assert wrong.exit_code == 1 and "does not match" in wrong.output
    assert _status(db, judged) == "archived"

    deleted = cli("campaigns", "delete", judged, "--yes", "--judgments", str(count))
    assert deleted.exit_code == 0, deleted.output
    assert f"{count} judgment(s)" in deleted.output
    with db() as session:
        left = session.scalar(
            select(func.count()).select_from(Judgment).where(Judgment.campaign_id == campaign_id)
        )
    assert left == 0
