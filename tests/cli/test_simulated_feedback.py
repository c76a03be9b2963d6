"""`prefhub simulate` writes text answers: rationales, critiques and refinements in each
simulated annotator's preference group's terms, within the question's bounds, for every shown
candidate a candidate-targeted question asks about, the same for the same seed; so the demo's
`feedback` export has rows to preview."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from sqlalchemy import select

from support.api import jsonl

SHORT = "Boil the kettle and pour."
LONG = (
    "There are many ways to make a good cup of tea, and people disagree about most of them. "
    "Most people start by boiling fresh water, because water that has been boiled before tastes "
    "flat. Then they warm the pot, add the leaves or a bag, and pour the water over them. "
    "Leave it for three to five minutes, depending on how strong you like it, and then remove "
    "the leaves so that it does not turn bitter. Milk and sugar are a matter of taste."
)
LISTED = "Steps:\n\n1. Boil fresh water.\n2. Warm the pot.\n3. Steep for four minutes.\n4. Pour."
PAIRS = [(SHORT, LONG), (LONG, LISTED), (LISTED, SHORT)]
SPEC = """name: Simulated feedback
slug: {slug}
redundancy: 3
questions:
  - kind: pairwise
  - kind: text
    id: why
    purpose: rationale
    required: true
    min_length: 30
    max_length: 140
  - kind: text
    id: critique
    purpose: critique
    target: candidate
    required: true
    min_length: 60
    max_length: 90
  - kind: text
    id: rewrite
    purpose: refinement
    target: candidate
    max_length: 300
"""
BOUNDS = {"why": (30, 140), "critique": (60, 90), "rewrite": (0, 300)}


def _simulated(cli, owner, tmp_path: Path, slug: str, seed: int) -> None:
    spec = tmp_path / f"{slug}.yaml"
    spec.write_text(SPEC.format(slug=slug))
    assert cli("campaigns", "create", str(spec), "--owner", owner).exit_code == 0
    rows = [
        {"id": f"tea-{i}", "prompt": f"How do I make tea ({i})?", "candidates": list(pair)}
        for i, pair in enumerate(PAIRS * 3)
    ]
    data = tmp_path / f"{slug}.jsonl"
    data.write_bytes(jsonl(rows))
    assert cli("import", slug, str(data)).exit_code == 0
    result = cli("simulate", slug, "--annotators", "6", "--judgments", "27", "--seed", str(seed))
    assert result.exit_code == 0, result.output


def _judgments(db, slug: str) -> list[tuple[dict, list[str], str]]:
    """Each judgment's answers, its candidates' texts in the order shown, the annotator's group."""
    from prefhub.models import Campaign, Candidate, Judgment, User

    with db() as session:
        found = session.execute(
            select(Judgment, User.profile)
            .join(User, User.id == Judgment.annotator_id)
            .join(Campaign, Campaign.id == Judgment.campaign_id)
            .where(Campaign.slug == slug)
            .order_by(Judgment.id)
        ).all()
        return [
            (
                judgment.answers,
                [session.get_one(Candidate, i).content[0]["text"] for i in judgment.shown_order],
                profile["group"],
            )
            for judgment, profile in found
        ]


def test_every_text_question_is_answered_within_bounds_in_the_group_s_terms(
    cli, owner, unique, tmp_path, db
):
    slug = f"simtext-{unique}"
    _simulated(cli, owner, tmp_path, slug, seed=2)
    judged = _judgments(db, slug)
    assert len(judged) == 27
    assert {group for *_, group in judged} == {"concise", "thorough", "structured"}
    for answers, shown, group in judged:
        texts = [answers["why"]["text"]]
        for question in ("critique", "rewrite"):
            # Every shown candidate gets a text, and only those.
            assert set(answers[question]["texts"]) == {"A", "B"}
            texts += answers[question]["texts"].values()
        for question, written in [("why", answers["why"]["text"])] + [
            (q, t) for q in ("critique", "rewrite") for t in answers[q]["texts"].values()
        ]:
            low, high = BOUNDS[question]
            assert low <= len(written.strip()) and 0 < len(written) <= high, (question, written)

        # The rationale names the candidate chosen, and only that one.
        choice = answers["preference"]["choice"]
        if choice in ("A", "B"):
            other = "B" if choice == "A" else "A"
            assert re.search(rf"\b{choice}\b", answers["why"]["text"])
            assert not re.search(rf"\b{other}\b", answers["why"]["text"])

        by_text = dict(zip(shown, "AB", strict=True))
        critique = {text: answers["critique"]["texts"][by_text[text]] for text in shown}
        rewrite = {text: answers["rewrite"]["texts"][by_text[text]] for text in shown}
        if group == "concise" and LONG in shown:
            assert "long" in critique[LONG].lower()
            assert len(rewrite[LONG]) < len(LONG)
        if group == "thorough" and SHORT in shown:
            assert "brief" in critique[SHORT].lower()
            assert rewrite[SHORT].startswith(SHORT) and len(rewrite[SHORT]) > len(SHORT)
        if group == "structured" and LONG in shown:
            assert "list" in critique[LONG].lower()
            assert rewrite[LONG].startswith("- ") and "\n- " in rewrite[LONG]
    critiques = {t for answers, *_ in judged for t in answers["critique"]["texts"].values()}
    assert len(critiques) >= 10  # varied, not one sentence for everyone


def test_the_same_seed_writes_the_same_texts(cli, owner, unique, tmp_path, db):
    def texts(slug: str) -> list[tuple]:
        return [
            (answers["why"], answers["critique"], answers["rewrite"])
            for answers, *_ in _judgments(db, slug)
        ]

    for copy, seed in (("a", 4), ("b", 4), ("c", 5)):
        _simulated(cli, owner, tmp_path, f"simseed-{copy}-{unique}", seed)
    first, again, other = (texts(f"simseed-{c}-{unique}") for c in "abc")
    assert len(first) == 27 and first == again
    assert other != first


def test_texts_fit_any_bounds_and_pass_the_submission_checks():
    """Bounds tighter or looser than the templates: padded with the group's reasons, cut at a
    word where it can be; required or not, every candidate gets a text the server accepts."""
    from prefhub.campaigns.answers import validate_answers
    from prefhub.campaigns.spec import CampaignSpec
    from prefhub.simulation.annotators import GROUPS
    from prefhub.simulation.answers import answer_screen

    rng = random.Random(11)
    shown = [LONG, LISTED, SHORT]
    for low, high in [(0, 1), (1, 12), (200, 200), (400, 900), (0, 5000)]:
        spec = CampaignSpec.model_validate(
            {
                "name": "bounds",
                "slug": "bounds",
                "questions": [
                    {"kind": "ranking"},
                    {"kind": "rating", "attributes": [{"id": "overall", "label": "Overall"}]},
                    *(
                        {
                            "kind": "text",
                            "id": f"{purpose}_{target}",
                            "purpose": purpose,
                            "target": target,
                            "required": True,
                            "min_length": low,
                            "max_length": high,
                        }
                        for purpose in ("rationale", "critique", "refinement")
                        for target in ("item", "candidate")
                    ),
                ],
            }
        )
        for group in GROUPS:
            utilities = [group.utility(text) for text in shown]
            answers = answer_screen(spec.questions, group, shown, utilities, rng)
            assert validate_answers(spec, answers, len(shown)) == answers
            for question in spec.questions[2:]:
                given = answers[question.id]
                written = [given["text"]] if "text" in given else list(given["texts"].values())
                assert len(written) == (1 if question.target == "item" else 3)
                assert all(low <= len(t.strip()) and 0 < len(t) <= high for t in written)


def test_the_demo_feedback_export_has_critiques_and_refinements(cli, db, tmp_path):
    assert cli("seed-demo").exit_code == 0
    simulated = cli(
        "simulate", "demo-all-kinds", "--annotators", "3", "--judgments", "9", "--seed", "6"
    )
    assert simulated.exit_code == 0, simulated.output
    out = tmp_path / "feedback"
    exported = cli("export", "demo-all-kinds", "--format", "feedback", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    # The demo's judgments are all simulated: exported, marked, and the CLI says so.
    assert "Every judgment in this export is simulated" in " ".join(exported.output.split())
    rows = [json.loads(line) for line in (out / "feedback.jsonl").read_text().splitlines()]
    assert all(row["metadata"]["simulated"] is True for row in rows)
    # One row per judgment: the rationale and the rewrite are both about the top-ranked reply.
    assert len(rows) >= 9
    for row in rows:
        assert row["critique"] and row["refinement"], row["id"]
        assert row["refinement"] != row["critique"]
