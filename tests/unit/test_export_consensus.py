"""Aggregation at export time on hand-made cases: a 2-vs-1 split, ties, a preference cycle,
agreement, binary and negative-only votes, and leave-one-out reliability."""

from __future__ import annotations

from typing import Any

import pytest

from prefhub.exports.consensus import (
    agreement_with_others,
    consensus,
    item_agreement,
)
from prefhub.exports.formats.aggregated import (
    AggregatedKtoWriter,
    AggregatedPairsWriter,
    AggregatedRankingWriter,
)
from prefhub.exports.judgment_record import JudgmentRecord

# Candidates 1, 2, 3 of one item.
CANDIDATES: dict[int, tuple[list[dict[str, Any]], str | None]] = {
    cid: ([{"type": "text", "text": f"answer {cid}"}], f"model-{cid}") for cid in (1, 2, 3)
}
CONTEXT = [{"role": "user", "content": [{"type": "text", "text": "Question?"}]}]


def judged(jid: int, answers: dict[str, Any], shown: list[int] | None = None) -> JudgmentRecord:
    return JudgmentRecord(
        judgment_id=jid,
        annotator_pseudonym=f"ann-{jid}",
        item_external_id="item-1",
        context=CONTEXT,
        answers=answers,
        shown_order=shown or [1, 2],
        candidates=CANDIDATES,
        time_spent_ms=1000,
        campaign_version=1,
        created_at="2026-11-27T10:00:00Z",
        item_key=7,
        annotator_key=jid,
    )


def pairwise(jid: int, choice: str, shown: list[int] | None = None) -> JudgmentRecord:
    return judged(jid, {"pref": {"choice": choice}}, shown)


def ranking(jid: int, *tiers: str) -> JudgmentRecord:
    return judged(jid, {"rank": {"ranking": [list(t) for t in tiers]}}, [1, 2, 3])


def dpo_rows(records: list[JudgmentRecord], method: str, **kinds: str) -> list[dict]:
    writer = AggregatedPairsWriter("c", kinds or {"pref": "pairwise"}, method=method)  # type: ignore[arg-type]
    return list(writer.group_rows(records))


@pytest.mark.parametrize("method", ["majority", "ranked_pairs", "bradley_terry"])
def test_a_two_to_one_split_follows_the_two(method):
    # Shown in different orders: "A" means candidate 1 for the first two, 2 for the third.
    records = [pairwise(1, "A"), pairwise(2, "B", [2, 1]), pairwise(3, "B")]
    rows = dpo_rows(records, method)
    assert len(rows) == 1
    row = rows[0]
    assert row["chosen"][0]["content"] == "answer 1" and row["rejected"][0]["content"] == "answer 2"
    assert row["metadata"]["votes"] == {"chosen": 2, "rejected": 1, "tie": 0}
    assert row["metadata"]["agreement"] == pytest.approx(2 / 3)
    assert row["metadata"]["annotator_id"] == ["ann-1", "ann-2", "ann-3"]
    assert row["metadata"]["judgment_ids"] == [1, 2, 3]
    assert row["metadata"]["aggregation"] == method
    assert row["id"] == "item-1.pref.c1>c2"


def test_an_even_split_and_a_majority_of_ties_give_no_pair():
    assert dpo_rows([pairwise(1, "A"), pairwise(2, "B")], "majority") == []
    writer = AggregatedPairsWriter("c", {"pref": "pairwise"}, method="majority")
    tied = [pairwise(1, "A"), pairwise(2, "tie"), pairwise(3, "both_bad")]
    assert list(writer.group_rows(tied)) == []
    assert writer.skipped["tied_pairs"] == 1
    # Bradley-Terry sees the split as level too: equal scores, no pair.
    assert dpo_rows([pairwise(1, "A"), pairwise(2, "B")], "bradley_terry") == []


def test_a_preference_cycle_is_broken_at_one_pair_by_ranked_pairs_and_level_in_bradley_terry():
    # 1 > 2 > 3, 2 > 3 > 1, 3 > 1 > 2: every pair 2 to 1, a cycle.
    records = [ranking(1, "A", "B", "C"), ranking(2, "B", "C", "A"), ranking(3, "C", "A", "B")]
    kinds = {"rank": "ranking"}
    majority = consensus("majority", "rank", "ranking", records)
    assert majority is not None
    assert {(p.better, p.worse) for p in majority.preferences} == {(1, 2), (2, 3), (3, 1)}
    assert majority.tiers == [[1, 2, 3]]  # Copeland: every candidate one win, one loss
    assert majority.agreement == pytest.approx(2 / 3)

    ranked = consensus("ranked_pairs", "rank", "ranking", records)
    assert ranked is not None and ranked.tiers == [[1], [2], [3]]
    assert [(p.better, p.worse, p.margin) for p in ranked.preferences] == [
        (1, 2, 1.0),
        (1, 3, 2.0),
        (2, 3, 1.0),
    ]
    # The locked order overrules the 2-to-1 majority for 3 over 1; the row says so.
    overruled = next(p for p in ranked.preferences if (p.better, p.worse) == (1, 3))
    assert overruled.votes == {"chosen": 1, "rejected": 2, "tie": 0}

    level = consensus("bradley_terry", "rank", "ranking", records)
    assert level is not None and level.tiers == [[1, 2, 3]] and level.preferences == []
    writer = AggregatedRankingWriter("c", kinds, method="bradley_terry")
    (row,) = writer.group_rows(records)
    assert row["ranks"] == [0, 0, 0] and row["scores"] == [0.0, 0.0, 0.0]
    dropping = AggregatedRankingWriter("c", kinds, method="bradley_terry", drop_ties=True)
    assert list(dropping.group_rows(records)) == []
    assert dropping.skipped["tied_consensus"] == 1


def test_bradley_terry_orders_by_score_with_score_gaps_as_reward_margins():
    records = [ranking(1, "A", "B", "C"), ranking(2, "A", "C", "B"), ranking(3, "A", "B", "C")]
    found = consensus("bradley_terry", "rank", "ranking", records)
    assert found is not None and found.tiers == [[1], [2], [3]] and found.scores is not None
    assert found.scores[1] > found.scores[2] > found.scores[3]
    writer = AggregatedPairsWriter("c", {"rank": "ranking"}, method="bradley_terry")
    writer.implicit_prompt = True
    rows = list(writer.group_rows(records))
    assert [(r["id"], r["margin"]) for r in rows] == [
        ("item-1.rank.c1>c2", round(found.scores[1] - found.scores[2], 4)),
        ("item-1.rank.c1>c3", round(found.scores[1] - found.scores[3], 4)),
        ("item-1.rank.c2>c3", round(found.scores[2] - found.scores[3], 4)),
    ]
    # The implicit prompt: the user's turn, then the completion.
    assert [m["role"] for m in rows[0]["chosen"]] == ["user", "assistant"]


def test_agreement_needs_two_judgments_of_a_pair_and_pools_every_question():
    assert item_agreement([pairwise(1, "A")], {"pref": "pairwise"}) is None
    unanimous = [pairwise(1, "tie"), pairwise(2, "tie")]
    assert item_agreement(unanimous, {"pref": "pairwise"}) == 1.0
    mixed = [
        judged(1, {"pref": {"choice": "A"}, "thumbs": {"votes": {"A": "up", "B": "down"}}}),
        judged(2, {"pref": {"choice": "B"}, "thumbs": {"votes": {"A": "up", "B": "up"}}}),
    ]
    # pref: 1 of 2 with the plurality; thumbs A: 2 of 2; thumbs B: 1 of 2.
    kinds = {"pref": "pairwise", "thumbs": "binary"}
    assert item_agreement(mixed, kinds) == pytest.approx(4 / 6)


def min_agreement_label(records: list[JudgmentRecord], kinds: dict[str, str]) -> str:
    """The label ``row_writing`` gives an item ``--min-agreement 0.5`` drops (or "kept")."""
    agreement = item_agreement(records, kinds)
    if agreement is None:
        return "single_judgment"
    return "low_agreement" if agreement < 0.5 else "kept"


def test_min_agreement_labels_by_the_number_of_judgments_not_by_pairs_compared_twice():
    kinds = {"pref": "pairwise"}
    # One judgment: nothing to agree with.
    assert item_agreement([pairwise(1, "A")], kinds) is None
    assert min_agreement_label([pairwise(1, "A")], kinds) == "single_judgment"
    # Two or three judgments that each compared a different pair: agreement 0, not "single".
    two_apart = [pairwise(1, "A", [1, 2]), pairwise(2, "A", [2, 3])]
    three_apart = [*two_apart, pairwise(3, "B", [1, 3])]
    for records in (two_apart, three_apart):
        assert item_agreement(records, kinds) == 0.0
        assert min_agreement_label(records, kinds) == "low_agreement"
    # An item with only a text question, judged three times: no evidence of agreement either.
    texts = [judged(j, {"why": {"text": "because"}}) for j in (1, 2, 3)]
    assert min_agreement_label(texts, {"why": "text"}) == "low_agreement"
    # Two and three judgments of the same pair get their real agreement.
    assert item_agreement([pairwise(1, "A"), pairwise(2, "B")], kinds) == 0.5
    three = [pairwise(1, "A"), pairwise(2, "A"), pairwise(3, "B")]
    assert item_agreement(three, kinds) == pytest.approx(2 / 3)
    assert min_agreement_label(three, kinds) == "kept"


def test_kto_takes_the_majority_vote_and_majority_marks():
    kinds = {"thumbs": "binary", "bad": "negative_only"}
    records = [
        judged(1, {"thumbs": {"votes": {"A": "up", "B": "down"}}, "bad": {"unacceptable": {}}}),
        judged(
            2,
            {
                "thumbs": {"votes": {"A": "up", "B": "up"}},
                "bad": {"unacceptable": {"B": ["incorrect"]}},
            },
        ),
        judged(
            3,
            {
                "thumbs": {"votes": {"A": "down", "B": "down"}},
                "bad": {"unacceptable": {"A": ["harmful"], "B": ["rude"]}},
            },
            [2, 1],
        ),
    ]
    writer = AggregatedKtoWriter("c", kinds, method="majority")
    rows = {r["id"]: r for r in writer.group_rows(records)}
    # thumbs: candidate 1 up, up, down(B shown first for #3 → candidate 1 is "B": down).
    assert rows["item-1.thumbs.c1"]["label"] is True
    assert rows["item-1.thumbs.c1"]["metadata"]["votes"] == {"up": 2, "down": 1}
    assert rows["item-1.thumbs.c2"]["label"] is False
    # Candidate 1 marked by #3 ("B" there) only; candidate 2 by #2 and #3 ("A" there).
    assert "item-1.bad.c1" not in rows
    bad = rows["item-1.bad.c2"]
    assert bad["label"] is False and bad["metadata"]["reasons"] == ["harmful", "incorrect"]
    assert bad["metadata"]["votes"] == {"unacceptable": 2, "shown": 3}


def test_kto_from_preferences_labels_the_consensus_best_and_worst():
    records = [ranking(1, "A", "B", "C"), ranking(2, "A", "C", "B")]
    writer = AggregatedKtoWriter("c", {"rank": "ranking"}, method="ranked_pairs")
    assert list(writer.group_rows(records)) == []  # on request only
    writer = AggregatedKtoWriter(
        "c", {"rank": "ranking"}, method="ranked_pairs", from_preferences=True
    )
    labels = {r["id"]: r["label"] for r in writer.group_rows(records)}
    # 2 and 3 split 1-1: level, so both share the last tier.
    assert labels == {"item-1.rank.c1": True, "item-1.rank.c2": False, "item-1.rank.c3": False}


def test_profiles_travel_with_aggregated_rows_in_annotator_order():
    records = [pairwise(1, "A"), pairwise(2, "A")]
    records[0].profile, records[1].profile = {"group": "x"}, {"group": "y"}
    (row,) = dpo_rows(records, "majority")
    assert row["metadata"]["profile"] == [{"group": "x"}, {"group": "y"}]


def test_leave_one_out_agreement_compares_each_order_with_the_others():
    a_over_b, b_over_a = [[1], [2]], [[2], [1]]
    found = agreement_with_others([a_over_b, a_over_b, b_over_a, a_over_b])
    # Each a>b order: the other three split 2 to 1 for a>b, so it sides with the plurality;
    # the b>a order is outvoted by three.
    assert found == [(1, 1), (1, 1), (1, 0), (1, 1)]
    # Of three, an a>b order sees the others split one each way: no plurality to side with.
    assert agreement_with_others([a_over_b, a_over_b, b_over_a]) == [(0, 0), (0, 0), (1, 0)]
