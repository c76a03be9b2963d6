"""``prefhub simulate --population planted-spammers``: the planted population a researcher tries
the quality rules against, from the command line."""

from __future__ import annotations

from sqlalchemy import func, select


def _campaign(cli, owner, slug, tmp_path, extra: str = "") -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: Planted\nslug: {slug}\nredundancy: 3\n"
        "questions:\n  - kind: pairwise\n    id: preference\n"
        f"quality:\n  gold_rate: 0.4\n{extra}"
    )
    created = cli("campaigns", "create", str(spec), "--owner", owner)
    assert created.exit_code == 0, created.output


def test_planted_population_judges_imported_planted_items_and_reports_the_standings(
    cli, owner, unique, tmp_path, db
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.models import Campaign, Item, Judgment, User

    slug = f"planted-cli-{unique}"
    _campaign(cli, owner, slug, tmp_path)
    result = cli(
        "simulate", slug, "--population", "planted-spammers", "--plant-items",
        "--annotators", "20", "--judgments", "200", "--seed", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    # 200 judgments at a gold rate of 0.4 over K=3, with 15 % to spare: 46 regular items.
    assert "imported 86 planted items (40 of them gold)" in said
    assert "20 planted annotators (1 always-left, 3 brief, 15 detailed, 1 random)" in said, said
    assert "made 200 judgments" in said
    # The campaign has no rules: nobody's standing changed.
    assert "the campaign has no quality rules" in said
    assert "after the campaign's 0 quality rules, flagged or excluded: 0 of 2 spammers" in said
    with db() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        gold_judged = session.scalar(
            select(func.count())
            .select_from(Judgment)
            .join(Item, Item.id == Judgment.item_id)
            .where(Judgment.campaign_id == campaign_id, Item.is_gold.is_(True))
        )
        annotators = session.scalars(
            select(User.display_name)
            .join(Judgment, Judgment.annotator_id == User.id)
            .where(Judgment.campaign_id == campaign_id)
            .distinct()
        ).all()
    # Gold is mixed in at about the spec's rate, and every planted annotator took tasks.
    assert 50 <= gold_judged <= 110
    assert len(annotators) == 20 and all(a.startswith("Simulated ") for a in annotators)


def test_plant_items_needs_the_planted_population(cli, owner, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slug = f"planted-groups-{unique}"
    _campaign(cli, owner, slug, tmp_path)
    result = cli("simulate", slug, "--plant-items", "--judgments", "5")
    assert result.exit_code != 0
    assert "--plant-items goes with --population planted-spammers" in result.output


def test_plant_items_needs_a_pairwise_question(cli, owner, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slug = f"planted-binary-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Thumbs\nslug: {slug}\nquestions:\n  - kind: binary\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    result = cli(
        "simulate", slug, "--population", "planted-spammers", "--plant-items", "--judgments", "5"
    )
    assert result.exit_code != 0
    assert "has no pairwise question to plant items for" in " ".join(result.output.split())


def test_planted_population_refuses_a_tree_campaign(cli, owner, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slug = f"planted-trees-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: Trees\nslug: {slug}\nquestions:\n  - kind: labels\n    target: prompt\n"
        "trees:\n  goal_tree_size: 4\n  max_depth: 2\n  max_children: 2\n"
    )
    created = cli("campaigns", "create", str(spec), "--owner", owner)
    assert created.exit_code == 0, created.output
    result = cli("simulate", slug, "--population", "planted-spammers", "--judgments", "5")
    assert result.exit_code != 0
    assert "grows conversation trees: a planted population judges items" in " ".join(
        result.output.split()
    )
