from __future__ import annotations

from support.quality_cli import MODELS, simulated_pairwise_campaign


def test_quality_leaderboard_prints_standings_matrix_and_groups(cli, owner, unique, tmp_path):
    slug = f"quality-cli-{unique}"
    simulated_pairwise_campaign(cli, owner, slug, tmp_path)

    result = cli("quality", "leaderboard", slug, "--group-by", "group")
    assert result.exit_code == 0, result.output
    assert "(12 judgments)" in result.output
    assert all(model in result.output for model in MODELS)
    assert "95% interval" in result.output and "win rate of the row model" in result.output
    assert "group = concise" in result.output and "group = thorough" in result.output

    unknown = cli("quality", "leaderboard", slug, "--group-by", "nonsense")
    assert unknown.exit_code == 1
    assert "nonsense" in unknown.output and "age_band" in unknown.output
    assert cli("quality", "leaderboard", f"missing-{unique}").exit_code == 1
