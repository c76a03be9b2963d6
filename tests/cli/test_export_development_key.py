"""``prefhub export`` with the public development secret key: pseudonyms are reversible, so the
CLI prints one warning line and the card carries a warning section; with a real key, neither."""

from __future__ import annotations

from prefhub.settings import DEV_SECRET_KEY, get_settings

WARNING_HEADING = "## Warning: reversible pseudonyms"


def _warning_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning:")]


def test_an_export_with_the_development_key_warns_in_the_cli_and_the_card(
    cli, judged, tmp_path, monkeypatch
):
    # The settings every module reads (cached), keyed as a development instance is by default.
    monkeypatch.setattr(get_settings(), "secret_key", DEV_SECRET_KEY)
    out = tmp_path / "dev"
    result = cli("export", judged, "--out", str(out))
    assert result.exit_code == 0, result.output
    warned = _warning_lines(result.output)
    assert len(warned) == 1 and "development secret key" in warned[0]
    assert "PREFHUB_SECRET_KEY" in warned[0]
    card = (out / "README.md").read_text()
    assert card.count(WARNING_HEADING) == 1
    assert "not pseudonymous" in card.split(WARNING_HEADING)[1].split("\n## ")[0]


def test_an_export_with_a_real_key_does_not_warn(cli, judged, tmp_path):
    out = tmp_path / "real"
    result = cli("export", judged, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _warning_lines(result.output) == []
    assert "reversible" not in (out / "README.md").read_text()
