"""Items for a planted population (``simulation.population``) to judge: import lines.

Each regular item has a terse and a verbose answer (4-20 and 15-60 words, never the same
length), in a random import order, so the planted groups' preferences by length are defined
on every item. Each gold item has a sensible answer and a clearly broken one (filler text); its
expected pairwise answer is the sensible one, which every honest group prefers.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from prefhub.campaigns.service import get_by_slug, spec_of
from prefhub.campaigns.spec import PairwiseQuestion
from prefhub.items.service import DIRECT_IMPORT_MAX_ITEMS, import_items
from prefhub.kit.db import unit_of_work
from prefhub.kit.errors import InvalidInput

_WORDS = re.findall(
    r"\w+",
    "the answer depends on context and the data you have at hand so start with a small "
    "example check each step measure the result compare it with the baseline then decide "
    "whether the change is worth keeping in the long run",
)
_FILLER = re.findall(r"\w+", "lorem ipsum dolor sit amet consectetur adipiscing elit sed do")


def _sentence(n_words: int, rng: random.Random) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(n_words))
    return text[0].upper() + text[1:] + "."


def planted_items(regular: int, gold: int, question_id: str, seed: int = 0) -> list[dict[str, Any]]:
    """``regular`` items, then ``gold`` gold items expecting the sensible answer on the
    pairwise question ``question_id``."""
    rng = random.Random(seed)
    lines: list[dict[str, Any]] = []
    for i in range(regular):
        terse = rng.randint(4, 20)
        verbose = rng.choice([n for n in range(15, 61) if n != terse])
        candidates = [
            {"content": _sentence(terse, rng), "model": "terse"},
            {"content": _sentence(verbose, rng), "model": "verbose"},
        ]
        rng.shuffle(candidates)
        lines.append(
            {"id": f"planted-{i}", "prompt": f"Question {i}: how?", "candidates": candidates}
        )
    for i in range(gold):
        sensible = {"content": _sentence(rng.randint(6, 40), rng), "model": "sensible"}
        broken = {"content": " ".join(rng.choices(_FILLER, k=12)), "model": "broken"}
        good_first = rng.random() < 0.5
        lines.append(
            {
                "id": f"planted-gold-{i}",
                "prompt": f"Check {i}: how?",
                "candidates": [sensible, broken] if good_first else [broken, sensible],
                "gold": {
                    "expected": {question_id: {"accept": ["A" if good_first else "B"]}},
                    "feedback": "One answer is filler text.",
                },
            }
        )
    return lines


def import_planted_items(slug: str, regular: int, gold: int, seed: int = 0) -> int:
    """Import planted items into the campaign's first pairwise question, a thousand lines per
    transaction as a direct import takes them; the number of items imported."""
    with unit_of_work() as session:
        campaign = get_by_slug(session, slug)
        question = next(
            (q for q in spec_of(campaign).questions if isinstance(q, PairwiseQuestion)), None
        )
    if question is None:
        raise InvalidInput(f"Campaign '{slug}' has no pairwise question to plant items for")
    lines = [json.dumps(line) for line in planted_items(regular, gold, question.id, seed)]
    imported = 0
    for start in range(0, len(lines), DIRECT_IMPORT_MAX_ITEMS):
        with unit_of_work() as session:
            batch = lines[start : start + DIRECT_IMPORT_MAX_ITEMS]
            imported += len(import_items(session, get_by_slug(session, slug), batch))
    return imported
