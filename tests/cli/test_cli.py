from __future__ import annotations

import json

from sqlalchemy import func, select

from support.api import items, jsonl


def _spec_file(tmp_path, slug: str, **overrides) -> str:
    path = tmp_path / "spec.yaml"
    redundancy = overrides.get("redundancy", 2)
    path.write_text(
        f"name: CLI campaign\nslug: {slug}\nredundancy: {redundancy}\n"
        "guidelines: |\n  Be careful.\nquestions:\n  - kind: pairwise\n"
    )
    return str(path)


def test_campaign_from_yaml_then_import_then_simulate_then_export(cli, owner, unique, tmp_path):
    slug = f"cli-{unique}"
    created = cli("campaigns", "create", _spec_file(tmp_path, slug), "--owner", owner)
    assert created.exit_code == 0, created.output
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(items(6)))
    imported = cli("import", slug, str(data))
    assert imported.exit_code == 0 and "imported 6 items" in imported.output
    simulated = cli("simulate", slug, "--annotators", "4", "--judgments", "100", "--seed", "3")
    assert simulated.exit_code == 0, simulated.output
    # 6 items x K=2: the simulation stops when the work runs out.
    assert "made 12 judgments (no work left)" in simulated.output
    out = tmp_path / "export"
    exported = cli("export", slug, "--format", "dpo", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    rows = [json.loads(line) for line in (out / "dpo.jsonl").read_text().splitlines()]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["judgments"] == 12
    assert len(rows) == manifest["counts"]["rows"] <= 12
    assert len({r["metadata"]["annotator_id"] for r in rows}) <= 4


def test_bad_import_file_fails_with_line_numbers_and_imports_nothing(
    cli, owner, unique, tmp_path, db
):
    from prefhub.models import Campaign, Item

    slug = f"badimp-{unique}"
    cli("campaigns", "create", _spec_file(tmp_path, slug), "--owner", owner)
    data = tmp_path / "bad.jsonl"
    data.write_text('{"prompt": "fine", "candidates": ["a", "b"]}\n{"prompt": 3}\nnope\n')
    result = cli("import", slug, str(data))
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    with db() as session:
        count = session.scalar(
            select(func.count(Item.id)).join(Campaign).where(Campaign.slug == slug)
        )
    assert count == 0


def test_invalid_spec_file_names_the_field(cli, owner, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nslug: Not A Slug\nquestions: []\n")
    result = cli("campaigns", "create", str(path), "--owner", owner)
    assert result.exit_code == 1
    assert "slug" in result.output and "questions" in result.output


def test_a_spec_with_a_nul_is_refused_naming_the_field(cli, owner, unique, tmp_path, db):
    from prefhub.models import Campaign

    path = tmp_path / "nul.yaml"
    slug = f"nul-{unique}"
    path.write_text(f'name: "bad\\0name"\nslug: {slug}\nquestions:\n  - kind: pairwise\n')
    result = cli("campaigns", "create", str(path), "--owner", owner)
    assert result.exit_code == 1, result.output
    assert "name" in result.output and "NUL" in result.output
    with db() as session:
        assert session.scalar(select(func.count()).where(Campaign.slug == slug)) == 0


def test_simulation_is_reproducible_from_its_seed(cli, owner, unique, tmp_path, db):
    from prefhub.models import Campaign, Judgment

    answers = []
    for copy in ("a", "b"):
        slug = f"seed-{copy}-{unique}"
        cli("campaigns", "create", _spec_file(tmp_path, slug), "--owner", owner)
        data = tmp_path / "items.jsonl"
        data.write_bytes(jsonl(items(5)))
        cli("import", slug, str(data))
        assert (
            cli("simulate", slug, "--annotators", "3", "--judgments", "8", "--seed", "7").exit_code
            == 0
        )
        with db() as session:
            answers.append(
                session.scalars(
                    select(Judgment.answers)
                    .join(Campaign)
                    .where(Campaign.slug == slug)
                    .order_by(Judgment.id)
                ).all()
            )
    assert len(answers[0]) == 8
    assert answers[0] == answers[1]


def test_simulated_groups_disagree_in_the_direction_of_their_preferences(
    cli, owner, unique, tmp_path, db
):
    """The concise group picks the shorter answer more often than the thorough group."""
    from prefhub.models import Campaign, Candidate, Judgment, User

    slug = f"groups-{unique}"
    cli("campaigns", "create", _spec_file(tmp_path, slug, redundancy=6), "--owner", owner)
    rows = [
        {"prompt": f"Q{i}", "candidates": ["Short answer.", "A much longer answer " * 12]}
        for i in range(30)
    ]
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(rows))
    cli("import", slug, str(data))
    assert (
        cli("simulate", slug, "--annotators", "6", "--judgments", "180", "--seed", "1").exit_code
        == 0
    )
    short_rate: dict[str, list[int]] = {}
    with db() as session:
        for judgment, profile in session.execute(
            select(Judgment, User.profile)
            .join(User, User.id == Judgment.annotator_id)
            .join(Campaign, Campaign.id == Judgment.campaign_id)
            .where(Campaign.slug == slug)
        ):
            choice = judgment.answers["preference"]["choice"]
            if choice not in ("A", "B"):
                continue
            winner = session.get(Candidate, judgment.shown_order[0 if choice == "A" else 1])
            short_rate.setdefault(profile["group"], []).append(
                winner.content[0]["text"] == "Short answer."
            )
    rate = {g: sum(v) / len(v) for g, v in short_rate.items()}
    assert rate["concise"] > 0.8 > 0.2 > rate["thorough"]


def test_seed_demo_creates_the_demo_once(cli, db):
    from prefhub.models import Campaign, FeedbackSource, InsituDerived, InsituEvent, Item, User

    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    second = cli("seed-demo")
    assert second.exit_code == 0 and "already seeded" in second.output
    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo"))
        assert campaign.spec["questions"][0]["kind"] == "pairwise"
        n_items = session.scalar(select(func.count(Item.id)).where(Item.campaign_id == campaign.id))
        all_kinds = session.scalar(select(Campaign).where(Campaign.slug == "demo-all-kinds"))
        kinds = {q["kind"] for q in all_kinds.spec["questions"]}
        emails = set(session.scalars(select(User.email).where(User.email.like("%@demo.local"))))
    assert n_items == 30
    assert {"ranking", "binary", "negative_only", "rating", "text"} <= kinds
    assert emails == {"admin@demo.local", "annotator@demo.local"}
    assert "created feedback source 'demo-chat'" in first.output
    assert "feedback source" not in second.output
    with db() as session:
        source_id = session.scalar(
            select(FeedbackSource.id).where(FeedbackSource.slug == "demo-chat")
        )
        signals = set(
            session.scalars(
                select(InsituDerived.signal).where(InsituDerived.source_id == source_id)
            )
        )
        texts = str(session.scalars(select(InsituEvent.payload)).all())
    # The synthetic stream's every rule fires, and its planted personal data was redacted.
    assert {"thumbs", "rating", "edit", "regenerate", "follow_up"} <= signals
    assert "[EMAIL]" in texts or "[PHONE]" in texts or "[CARD]" in texts
    assert "4111 1111" not in texts


def test_simulation_answers_every_question_kind_of_the_demo(cli, db):
    from prefhub.models import Campaign, Judgment

    assert cli("seed-demo").exit_code == 0
    result = cli("simulate", "demo-all-kinds", "--annotators", "4", "--judgments", "12")
    assert result.exit_code == 0, result.output
    with db() as session:
        answers = session.scalars(
            select(Judgment.answers).join(Campaign).where(Campaign.slug == "demo-all-kinds")
        ).all()
    assert len(answers) >= 12
    assert all(
        set(a) == {"ranking", "thumbs", "unacceptable", "scores", "rationale", "rewrite"}
        for a in answers
    )
    # Text questions get text too (optional or not), so the feedback export has rows.
    assert all(a["rationale"]["text"].strip() and a["rewrite"]["text"].strip() for a in answers)


def test_seed_demo_refuses_production(cli, monkeypatch):
    from prefhub.settings import get_settings

    monkeypatch.setenv("PREFHUB_ENVIRONMENT", "production")
    get_settings.cache_clear()
    try:
        result = cli("seed-demo")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "production" in result.output


def test_simulate_is_refused_in_production_unless_forced(cli, owner, unique, tmp_path, monkeypatch):
    """Simulated judgments look like real ones downstream: production refuses them by default."""
    from sqlalchemy import func, select

    from prefhub.kit.db import unit_of_work
    from prefhub.models import Campaign, Judgment
    from prefhub.settings import get_settings

    slug = f"prod-{unique}"
    assert cli("campaigns", "create", _spec_file(tmp_path, slug), "--owner", owner).exit_code == 0
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(items(2)))
    assert cli("import", slug, str(data)).exit_code == 0
    monkeypatch.setattr(get_settings(), "environment", "production")

    def judged() -> int:
        with unit_of_work(read_only=True) as session:
            campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
            return (
                session.scalar(
                    select(func.count(Judgment.id)).where(Judgment.campaign_id == campaign_id)
                )
                or 0
            )

    refused = cli("simulate", slug, "--annotators", "2", "--judgments", "2")
    assert refused.exit_code != 0 and "refused in production" in refused.output
    assert judged() == 0
    forced = cli("simulate", slug, "--annotators", "2", "--judgments", "2", "--force")
    assert forced.exit_code == 0, forced.output
    assert judged() == 2
