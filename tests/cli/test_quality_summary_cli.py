"""``prefhub quality SLUG`` prints the summary, and every subcommand still answers by name."""

from __future__ import annotations

import re

from support.quality_cli import MODELS, simulated_pairwise_campaign


def _set_standings(db, slug: str, standings: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Give the campaign's first annotators these standings, as a rule or researcher would."""
    from sqlalchemy import select

    from prefhub.models import Campaign, CampaignParticipant, Judgment

    with db() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
        annotators = sorted(
            set(
                session.scalars(
                    select(Judgment.annotator_id).where(Judgment.campaign_id == campaign.id)
                )
            )
        )
        for user_id, standing in zip(annotators, standings, strict=False):
            session.add(
                CampaignParticipant(
                    campaign_id=campaign.id,
                    user_id=user_id,
                    standing=standing,
                    standing_source="researcher",
                )
            )


def test_quality_slug_prints_progress_leaderboard_agreement_gold_and_standings(
    cli, owner, unique, tmp_path, db
) -> None:  # type: ignore[no-untyped-def]
    slug = f"quality-sum-{unique}"
    simulated_pairwise_campaign(cli, owner, slug, tmp_path)
    _set_standings(db, slug, ["flagged", "excluded", "excluded", "ok"])

    result = cli("quality", slug)
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("progress", "leaderboard of", "agreement per question", "gold accuracy"):
        assert title in out, out
    assert "12 of 12 (100%)" in out  # judgments of the target: 6 items x 2
    assert "6 of 6" in out  # items complete
    assert all(model in out for model in MODELS)
    assert "(12 judgments)" in out and "preference" in out
    assert re.search(r"flagged\s+│\s+1 ", out) and re.search(r"excluded\s+│\s+2 ", out), out
    assert re.search(r"with a reliability score\s+│\s+6 ", out), out
    # The same summary by its own name.
    named = cli("quality", "summary", slug)
    assert named.exit_code == 0 and "12 of 12 (100%)" in named.output


def test_every_quality_subcommand_still_answers_by_name(cli, owner, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prefhub.quality.cli import quality_app

    slug = f"quality-sub-{unique}"
    simulated_pairwise_campaign(cli, owner, slug, tmp_path)
    leaderboard = cli("quality", "leaderboard", slug)
    assert leaderboard.exit_code == 0 and "95% interval" in leaderboard.output
    agreement = cli("quality", "agreement", slug)
    assert agreement.exit_code == 0 and "agreement per question" in agreement.output
    assert "progress" not in agreement.output  # not routed to the summary
    # Any subcommand (others register theirs) resolves to itself, not to a slug.
    for command in quality_app.registered_commands:
        helped = cli("quality", str(command.name), "--help")
        assert helped.exit_code == 0, (command.name, helped.output)
        assert "Usage:" in helped.output and f"quality {command.name}" in helped.output
    assert cli("quality").exit_code in (0, 2)  # no argument: the group's help
    assert "summary" in cli("quality", "--help").output


def test_an_unknown_slug_says_so_and_a_mistyped_subcommand_is_suggested(cli, unique) -> None:  # type: ignore[no-untyped-def]
    missing = cli("quality", f"missing-{unique}")
    assert missing.exit_code == 1
    assert f"No campaign with slug 'missing-{unique}'" in missing.output
    assert "leaderboard" in missing.output  # the subcommands there are
    typo = cli("quality", "leaderbord")
    assert typo.exit_code == 1
    assert "did you mean the subcommand 'leaderboard'" in typo.output
