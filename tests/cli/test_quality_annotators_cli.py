from __future__ import annotations

from support.api import jsonl


def test_quality_annotators_prints_each_annotator_and_exclude_sets_a_researcher_standing(
    cli, owner, unique, tmp_path, db
):
    from sqlalchemy import select

    from prefhub.models import Campaign, CampaignParticipant, Judgment, User

    slug = f"annotators-cli-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: A\nslug: {slug}\nredundancy: 4\nquestions:\n  - kind: pairwise\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    rows = [
        {
            "id": f"i{i}",
            "prompt": f"Prompt {i}?",
            "candidates": [
                {"content": "Short.", "model": "a"},
                {"content": "A much longer answer, " * (i + 2), "model": "b"},
            ],
        }
        for i in range(6)
    ]
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(rows))
    # A second campaign's simulated annotators carry the same display names.
    for each in (f"{slug}-twin", slug):
        spec.write_text(f"name: A\nslug: {each}\nredundancy: 4\nquestions:\n  - kind: pairwise\n")
        if each != slug:
            assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
        assert cli("import", each, str(data)).exit_code == 0
        assert cli("simulate", each, "--annotators", "6", "--judgments", "24").exit_code == 0

    result = cli("quality", "annotators", slug)
    assert result.exit_code == 0, result.output
    assert "6 annotators" in result.output and "peer agreement within" in result.output
    for column in ("score", "standing", "peer 0.", "left 0.", "speed 1."):
        assert column in result.output
    with db() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).one()
        # Other campaigns' simulated annotators share these display names: the CLI resolves a
        # name among the annotators who worked on this campaign.
        user = session.scalars(
            select(User)
            .join(Judgment, Judgment.annotator_id == User.id)
            .where(Judgment.campaign_id == campaign.id)
            .order_by(User.id)
        ).first()
        name = user.display_name
    assert name[:9] in result.output

    excluded = cli("quality", "exclude", slug, name, "--reason", "clicks without reading")
    assert excluded.exit_code == 0, excluded.output
    with db() as session:
        row = session.scalars(
            select(CampaignParticipant).where(
                CampaignParticipant.campaign_id == campaign.id,
                CampaignParticipant.user_id == user.id,
            )
        ).one()
        assert (row.standing, row.standing_source, row.standing_reason) == (
            "excluded",
            "researcher",
            "clicks without reading",
        )
    assert f"{name}: excluded (researcher) clicks without reading" in (
        cli("quality", "annotators", slug).output
    )

    assert cli("quality", "exclude", slug, f"nobody-{unique}", "--reason", "x").exit_code == 1
    assert cli("quality", "exclude", slug, name, "--reason", "x" * 501).exit_code == 1
    assert cli("quality", "annotators", f"missing-{unique}").exit_code == 1
