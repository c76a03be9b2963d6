from __future__ import annotations

from support.api import jsonl

MODELS = ("north", "south", "east")


def test_quality_leaderboard_prints_standings_matrix_and_groups(cli, owner, unique, tmp_path):
    slug = f"quality-cli-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: Q\nslug: {slug}\nredundancy: 2\nquestions:\n  - kind: pairwise\n")
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    rows = [
        {
            "id": f"i{i}",
            "prompt": f"Prompt {i}?",
            "candidates": [
                {"content": "Short.", "model": MODELS[i % 3]},
                {"content": "A much longer answer, " * (i + 2), "model": MODELS[(i + 1) % 3]},
            ],
        }
        for i in range(6)
    ]
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(rows))
    assert cli("import", slug, str(data)).exit_code == 0
    assert cli("simulate", slug, "--annotators", "6", "--judgments", "12").exit_code == 0

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
