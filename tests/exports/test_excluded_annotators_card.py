"""The sentence the card, the CLI and Croissant give excluded annotators, from the manifest's
``excluded`` summary alone: counts by who decided, their reasons, and their judgments."""

from __future__ import annotations

from prefhub.exports.standings import Standing, excluded_sentence, excluded_summary

RULE = "gold accuracy 0.42 < 0.6 after 12 gold items"


def _standings() -> dict[int, Standing]:
    return {
        1: Standing("excluded", "rule", RULE),
        2: Standing("excluded", "rule", RULE),
        3: Standing("excluded", "rule", "MACE competence 0.2 < 0.3"),
        4: Standing("excluded", "researcher", "asked to leave\nthe study"),
        5: Standing("excluded", "qualification", "2 of 5 qualification items right"),
        6: Standing("excluded", "qualification", "2 of 5 qualification items right"),
        7: Standing("flagged", "rule", "fast"),  # flagged: not counted
    }


def test_the_sentence_counts_annotators_by_who_excluded_them_with_their_reasons():
    summary = excluded_summary(_standings(), "left_out", 412)
    assert summary == {
        "policy": "left_out",
        "annotators": 6,
        "by_source": {"qualification": 2, "researcher": 1, "rule": 3},
        "reasons": {
            "qualification": ["2 of 5 qualification items right"],
            "researcher": ["asked to leave\nthe study"],
            # most frequent first
            "rule": [RULE, "MACE competence 0.2 < 0.3"],
        },
        "judgments": 412,
    }
    assert excluded_sentence({"excluded": summary}) == (
        f"6 annotators were excluded: 3 by quality rules ({RULE}; MACE competence 0.2 < 0.3), "
        "1 by a researcher (asked to leave the study), 2 for failing the qualification (2 of 5 "
        "qualification items right); 412 of their judgments were left out (include_excluded: "
        "false; the `judgments` format keeps them, marked)."
    )


def test_kept_judgments_are_said_to_be_included_and_marked():
    included = excluded_summary(_standings(), "included", 40)
    assert "their 40 judgments are included (include_excluded: true) and `metadata.standing`" in (
        excluded_sentence({"excluded": included})
    )
    marked = excluded_summary(_standings(), "marked", 40)
    assert excluded_sentence({"excluded": marked}).endswith(
        "their 40 judgments are in this export and `metadata.standing` marks their rows."
    )


def test_many_reasons_are_quoted_three_at_a_time_and_one_annotator_reads_singular():
    many = {n: Standing("excluded", "rule", f"rule {n} failed") for n in range(5)}
    sentence = excluded_sentence({"excluded": excluded_summary(many, "left_out", 9)})
    assert "(rule 0 failed; rule 1 failed; rule 2 failed; 2 more in manifest.json)" in sentence
    one = {1: Standing("excluded", "researcher", None)}
    assert excluded_sentence({"excluded": excluded_summary(one, "left_out", 3)}) == (
        "1 annotator was excluded: 1 by a researcher; 3 of their judgments were left out "
        "(include_excluded: false; the `judgments` format keeps them, marked)."
    )


def test_nothing_is_said_without_excluded_annotators_or_in_older_manifests():
    flagged_only = {1: Standing("flagged", "rule", "fast")}
    assert excluded_sentence({"excluded": excluded_summary(flagged_only, "none", 0)}) == ""
    assert excluded_sentence({}) == ""


def test_a_reason_cannot_put_markup_in_the_card():
    from prefhub.exports.card import export_notes

    sneaky = {1: Standing("excluded", "researcher", "<script>alert(1)</script> bad")}
    manifest = {"counts": {"rows": 1}, "campaign": {}}
    notes = export_notes(manifest | {"excluded": excluded_summary(sneaky, "left_out", 2)})
    assert notes == [
        "1 annotator was excluded: 1 by a researcher (&lt;script>alert(1)&lt;/script> bad); 2 of "
        "their judgments were left out (include_excluded: false; the `judgments` format keeps "
        "them, marked)."
    ]
