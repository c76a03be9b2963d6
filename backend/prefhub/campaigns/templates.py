"""Starting points for the common study types, offered by the admin campaign builder.

Each is an ordinary spec (validated when this module loads, so a broken template fails at
start-up and in the tests) and a sample item the builder's preview shows it on.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from prefhub.campaigns.spec import CampaignSpec
from prefhub.kit.content import Message, Part
from prefhub.media.samples import sample_image_part


class SampleItem(BaseModel):
    """What an annotator would see: the conversation so far and the candidates to judge."""

    context: list[Message]
    candidates: list[list[Part]] = Field(min_length=1)


class SpecTemplate(BaseModel):
    id: str
    title: str
    description: str
    spec: CampaignSpec
    sample: SampleItem


def _text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text}]


_CHAT_SAMPLE = {
    "context": [{"role": "user", "content": _text("How do I boil an egg?")}],
    "candidates": [
        _text("Put the egg in boiling water for 7 to 9 minutes, then cool it in cold water."),
        _text("Eggs are laid by hens. Boiling is a cooking method."),
        _text("Boil water, lower the egg in with a spoon, wait 6 minutes for a soft yolk."),
        _text("Microwave it for five minutes."),
    ],
}

_TEMPLATES: list[dict[str, Any]] = [
    {
        "id": "pairwise-dpo",
        "title": "Pairwise preference (DPO)",
        "description": "Two responses side by side: which is better, with ties and "
        "'both are bad'. Exports as chosen/rejected pairs.",
        "spec": {
            "name": "Which response is better?",
            "slug": "pairwise-dpo",
            "guidelines": "Pick the response that is more **helpful**, **honest** and "
            "**harmless**.",
            "questions": [{"kind": "pairwise", "id": "preference", "strength": True}],
        },
        "sample": _CHAT_SAMPLE,
    },
    {
        "id": "ranking",
        "title": "Ranking",
        "description": "Order up to four responses best first; ties allowed.",
        "spec": {
            "name": "Rank the responses",
            "slug": "ranking",
            "guidelines": "Put the best response first. Give equal responses the same rank.",
            "max_candidates_shown": 4,
            "questions": [{"kind": "ranking", "id": "ranking"}],
        },
        "sample": _CHAT_SAMPLE,
    },
    {
        "id": "kto-thumbs",
        "title": "Thumbs up / down (KTO)",
        "description": "One response at a time, thumbs up or down: unpaired data for KTO.",
        "spec": {
            "name": "Is this response acceptable?",
            "slug": "kto-thumbs",
            "min_candidates": 1,
            "max_candidates_shown": 2,
            "questions": [{"kind": "binary", "id": "acceptable"}],
        },
        "sample": _CHAT_SAMPLE,
    },
    {
        "id": "helpsteer-attributes",
        "title": "Attribute ratings (HelpSteer)",
        "description": "Each response scored 0-4 on helpfulness, correctness, coherence, "
        "complexity and verbosity, as in NVIDIA's HelpSteer.",
        "spec": {
            "name": "Rate each response",
            "slug": "helpsteer-attributes",
            "min_candidates": 1,
            "max_candidates_shown": 2,
            "questions": [
                {
                    "kind": "rating",
                    "id": "attributes",
                    "attributes": [
                        {
                            "id": attribute,
                            "label": attribute.capitalize(),
                            "scale": {"min": 0, "max": 4, "anchors": {0: "low", 4: "high"}},
                        }
                        for attribute in (
                            "helpfulness",
                            "correctness",
                            "coherence",
                            "complexity",
                            "verbosity",
                        )
                    ],
                }
            ],
        },
        "sample": _CHAT_SAMPLE,
    },
    {
        "id": "critique-refinement",
        "title": "Critique and refinement",
        "description": "Pick the better response, say what is wrong with it, and rewrite it.",
        "spec": {
            "name": "Critique and improve",
            "slug": "critique-refinement",
            "questions": [
                {"kind": "pairwise", "id": "preference"},
                {
                    "kind": "text",
                    "id": "critique",
                    "prompt": "What is wrong with the responses?",
                    "purpose": "critique",
                    "target": "candidate",
                    "required": True,
                    "min_length": 10,
                },
                {
                    "kind": "text",
                    "id": "refinement",
                    "prompt": "Rewrite the better response so it has none of these faults.",
                    "purpose": "refinement",
                    "required": True,
                },
            ],
        },
        "sample": _CHAT_SAMPLE,
    },
    {
        "id": "oasst-trees",
        "title": "Conversation trees (OpenAssistant)",
        "description": "Annotators write prompts and replies, review and rank them; the "
        "conversations branch into trees.",
        "spec": {
            "name": "Conversations",
            "slug": "oasst-trees",
            "min_candidates": 1,
            "guidelines": "Write as a helpful assistant would; review others' messages honestly.",
            "questions": [{"kind": "labels", "id": "labels", "target": "prompt"}],
            "trees": {"goal_tree_size": 12, "max_depth": 4, "max_children": 3},
        },
        "sample": {
            "context": [
                {"role": "user", "content": _text("What is a good first programming language?")}
            ],
            "candidates": [_text("Python: its syntax is plain and it is used everywhere.")],
        },
    },
    {
        "id": "image-comparison",
        "title": "Image comparison (text-to-image)",
        "description": "Two generated images for one prompt: which fits it better. Exports as "
        "Pick-a-Pic / Diffusion-DPO pairs.",
        "spec": {
            "name": "Which image fits the prompt?",
            "slug": "image-comparison",
            "questions": [
                {
                    "kind": "pairwise",
                    "id": "preference",
                    "prompt": "Which image fits the prompt better?",
                    "aspects": [
                        {"id": "fidelity", "label": "Follows the prompt"},
                        {"id": "aesthetics", "label": "Looks better"},
                    ],
                }
            ],
        },
        "sample": {
            "context": [{"role": "user", "content": _text("A red fox in the snow, watercolour")}],
            "candidates": [
                [sample_image_part("a fox in the snow under the sun")],
                [sample_image_part("a fox in the snow at dusk")],
            ],
        },
    },
]

TEMPLATES: list[SpecTemplate] = [SpecTemplate.model_validate(t) for t in _TEMPLATES]
