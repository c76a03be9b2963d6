from __future__ import annotations

from support.api import jsonl


def test_quality_agreement_prints_alpha_per_question_timeline_and_groups(
    cli, owner, unique, tmp_path
):
    slug = f"agreement-cli-{unique}"
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: Q\nslug: {slug}\nredundancy: 4\nquestions:\n  - kind: pairwise\n  - kind: binary\n"
    )
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
        for i in range(4)
    ]
    data = tmp_path / "items.jsonl"
    data.write_bytes(jsonl(rows))
    assert cli("import", slug, str(data)).exit_code == 0
    assert cli("simulate", slug, "--annotators", "8", "--judgments", "16").exit_code == 0

    result = cli("quality", "agreement", slug, "--group-by", "group")
    assert result.exit_code == 0, result.output
    assert "16 judgments" in result.output
    assert "preference" in result.output and "acceptable" in result.output
    assert "nominal" in result.output and "raw agreement" in result.output
    assert "alpha per week" in result.output
    assert "concise" in result.output and "thorough" in result.output

    unknown = cli("quality", "agreement", slug, "--group-by", "nonsense")
    assert unknown.exit_code == 1
    assert "age_band" in unknown.output
    assert cli("quality", "agreement", slug, "--bucket", "hour").exit_code == 1
    assert cli("quality", "agreement", f"missing-{unique}").exit_code == 1
