"""The reliability rules on a planted population (``prefhub.simulation.population``).

200 simulated annotators judge a pairwise campaign through the real assignment service: 150
honest annotators who prefer detailed answers, a minority of 30 (15 %) who prefer brief ones
(the opposite), and 20 spammers (10 %): random clickers, always-left clickers and too-fast
clickers; 24 tasks each, 40 % of them gold items (a sensible answer against filler text). A
researcher's rules (``planted_truth.RESEARCHER_RULES``) exclude an annotator whose gold
accuracy is below 0.6 after 5 gold items, who chose the left answer more than 90 % of the time
over 15 judgments, or who works at less than a quarter of the campaign's usual time per
judgment.

After the rules run:

* precision and recall of the flagged-or-excluded annotators against the planted spammers are
  both at least 0.9, and at most 5 % of the minority is flagged;
* the dpo export without excluded annotators agrees with the planted truth more than the one
  with them. A row agrees when its ``chosen`` answer is the one the group of the row's
  annotator prefers (detailed or brief, without noise; a spammer is held to the group their
  profile claims): each row is measured against its own annotator's group, so the minority's
  rows count as agreeing as much as the majority's, and only rows without a preference behind
  them (spam) lower the share.
"""

from __future__ import annotations

import pytest

from support.api import pairwise_spec

ANNOTATORS = 200
TASKS_EACH = 24
GOLD_RATE = 0.4
K = 3
# Enough regular items that nobody runs out: the regular tasks over K, and some to spare.
REGULAR_ITEMS = int(ANNOTATORS * TASKS_EACH * (1 - GOLD_RATE) / K * 1.15)
GOLD_ITEMS = 40


@pytest.fixture
def planted(as_user, unique):  # type: ignore[no-untyped-def]
    """(slug, population result) of a campaign the planted population judged."""
    from prefhub.simulation.planted_items import import_planted_items
    from prefhub.simulation.planted_truth import RESEARCHER_RULES
    from prefhub.simulation.population import simulate_population

    researcher = as_user("researcher")
    slug = f"planted-{unique}"
    spec = pairwise_spec(slug, K, quality={"gold_rate": GOLD_RATE, "rules": RESEARCHER_RULES})
    created = researcher.post("/api/campaigns", json=spec)
    assert created.status_code == 201, created.text
    assert import_planted_items(slug, REGULAR_ITEMS, GOLD_ITEMS, seed=5) == REGULAR_ITEMS + 40
    result = simulate_population(slug, annotators=ANNOTATORS, tasks_each=TASKS_EACH, seed=17)
    assert result.counts() == {
        "detailed": 150,
        "brief": 30,
        "random": 7,
        "always-left": 7,
        "too-fast": 6,
    }
    return slug, result


def test_rules_flag_planted_spammers_but_not_the_minority_and_filtered_dpo_agrees_more(
    planted, db
) -> None:  # type: ignore[no-untyped-def]
    from prefhub.campaigns.service import get_by_slug
    from prefhub.quality.rules import apply_rules
    from prefhub.simulation.planted_truth import dpo_agreement, dpo_rows, rule_outcome

    slug, result = planted
    # Nobody ran out of work: each annotator took every task the rules let them take.
    assert result.judgments > ANNOTATORS * TASKS_EACH * 0.9
    with db() as session:
        apply_rules(session, get_by_slug(session, slug))
    with db() as session:
        outcome = rule_outcome(session, get_by_slug(session, slug), result.planted)
    summary = (
        f"precision {outcome.precision:.2f}, recall {outcome.recall:.2f}, "
        f"minority {outcome.minority_flagged}/{outcome.minority}, flagged {outcome.by_kind}"
    )
    assert outcome.recall >= 0.9, summary
    assert outcome.precision >= 0.9, summary
    assert outcome.minority_flag_rate <= 0.05, summary

    filtered = dpo_rows(slug, include_excluded=False)
    unfiltered = dpo_rows(slug, include_excluded=True)
    # The excluded annotators' rows are the difference, and they are the spammers'.
    assert len(unfiltered) > len(filtered) > 0
    with db() as session:
        campaign = get_by_slug(session, slug)
        agreement_filtered = dpo_agreement(session, campaign, filtered, result.planted)
        agreement_unfiltered = dpo_agreement(session, campaign, unfiltered, result.planted)
    assert agreement_filtered > agreement_unfiltered, (agreement_filtered, agreement_unfiltered)
    # Honest rows agree far above chance; spam rows pull the unfiltered share down.
    assert agreement_filtered > 0.8
