"""A profile survey with one question of each kind, as a campaign's `participation.survey`."""

from __future__ import annotations

SURVEY = [
    {
        "id": "age_band",
        "prompt": "Your age",
        "kind": "single_choice",
        "options": [{"id": "young", "label": "18-34"}, {"id": "older", "label": "35+"}],
    },
    {
        "id": "languages",
        "prompt": "Languages you read",
        "kind": "multiple_choice",
        "options": [{"id": "en", "label": "English"}, {"id": "de", "label": "German"}],
    },
    {"id": "hours", "prompt": "Hours online a day", "kind": "number", "min": 0, "max": 24},
    {"id": "values", "prompt": "What matters in an answer?", "kind": "text", "required": False},
]
