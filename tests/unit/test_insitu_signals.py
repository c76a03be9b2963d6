"""In-situ signals become preference rows by the rules in insitu/signals.py (issue 19, point 3),
and a batch's events are validated one by one (insitu/events.py, point 1)."""

from __future__ import annotations

from prefhub.insitu.events import EventError, RegenerateEvent, parse_event
from prefhub.insitu.signals import Conversation, Feedback, Turn, derive, satisfaction


def _conversation(*turns: tuple[str, str, str, str | None]) -> Conversation:
    return Conversation({id_: Turn(id_, role, text, parent) for id_, role, text, parent in turns})


# A branching conversation: the user regenerated the first answer (a1 -> a1b) and kept a1b,
# then corrected the second answer (a2) by editing it.
TREE = _conversation(
    ("s", "system", "You are helpful.", None),
    ("u1", "user", "Capital of Australia?", "s"),
    ("a1", "assistant", "Sydney.", "u1"),
    ("a1b", "assistant", "Canberra.", "u1"),
    ("u2", "user", "Thanks! And of Canada?", "a1b"),
    ("a2", "assistant", "Toronto.", "u2"),
    ("u3", "user", "That's wrong, it is Ottawa.", "a2"),
)
PROMPT_1 = (("system", "You are helpful."), ("user", "Capital of Australia?"))
PROMPT_2 = (*PROMPT_1, ("assistant", "Canberra."), ("user", "Thanks! And of Canada?"))


def _rows(feedback, conversation=TREE):
    return {(row.signal, row.kind, row.message_id): row for row in derive(conversation, feedback)}


def test_a_kept_regeneration_is_chosen_over_the_discarded_answer_with_the_branch_as_prompt():
    regenerate = Feedback("e1", "regenerate", "a1", 1, kept_id="a1b", discarded=("a1b",))
    row = _rows([regenerate])[("regenerate", "pair", "a1")]
    assert (row.chosen, row.rejected, row.prompt) == ("Canberra.", "Sydney.", PROMPT_1)
    assert (row.confidence, row.event_ids) == (0.7, ("e1",))


def test_an_edit_makes_the_users_text_chosen_and_the_answer_rejected():
    edit = Feedback("e2", "edit", "a2", 1, edited_text="Ottawa.")
    row = _rows([edit])[("edit", "pair", "a2")]
    assert (row.chosen, row.rejected, row.prompt, row.confidence) == (
        "Ottawa.",
        "Toronto.",
        PROMPT_2,
        0.85,
    )


def test_the_users_last_thumb_on_a_turn_counts_and_ratings_of_3_say_nothing():
    feedback = [
        Feedback("t1", "thumbs", "a1b", 1, value="down"),
        Feedback("t2", "thumbs", "a1b", 2, value="up"),  # changed their mind
        Feedback("r1", "rating", "a2", 3, value=1),
        Feedback("r2", "rating", "a1", 4, value=3),
    ]
    rows = _rows(feedback)
    thumb = rows[("thumbs", "kto", "a1b")]
    assert (thumb.label, thumb.completion, thumb.event_ids, thumb.confidence) == (
        True,
        "Canberra.",
        ("t2",),
        0.9,
    )
    rating = rows[("rating", "kto", "a2")]
    assert (rating.label, rating.confidence, rating.prompt) == (False, 0.8, PROMPT_2)
    assert ("rating", "kto", "a1") not in rows


def test_the_users_next_turn_says_whether_the_answer_satisfied_them():
    rows = _rows([])
    assert rows[("follow_up", "kto", "a1b")].label is True  # "Thanks! And of Canada?"
    assert rows[("follow_up", "kto", "a2")].label is False  # "That's wrong, it is Ottawa."
    assert ("follow_up", "kto", "a1") not in rows  # nobody replied to the discarded answer
    assert satisfaction("Thanks, but that's wrong") is False  # a correction outweighs politeness
    assert satisfaction("Now do the same for France.") is None


def test_weak_signals_carry_low_confidence_and_abandoning_an_answered_turn_says_nothing():
    feedback = [
        Feedback("c1", "copy", "a1b", 1),
        Feedback("x1", "abandon", "a1b", 2),  # but the user did reply to a1b
        Feedback("x2", "abandon", "a2", 3),
        Feedback("g1", "regenerate", "a1", 4),  # nothing known to be kept
        Feedback("t9", "thumbs", "u1", 5, value="up"),  # a user turn: not an answer
    ]
    rows = _rows(
        feedback,
        _conversation(
            *[(t.id, t.role, t.text, t.parent_id) for t in list(TREE.turns.values())[:6]]
        ),
    )
    assert rows[("copy", "kto", "a1b")].confidence == 0.5
    assert rows[("abandon", "kto", "a2")].confidence == 0.2
    assert ("abandon", "kto", "a1b") not in rows
    assert rows[("regenerate", "kto", "a1")].label is False
    assert not any(row.message_id == "u1" for row in rows.values())


def test_events_are_validated_one_by_one_with_a_stable_code_and_the_field():
    good = {
        "event_id": "e1",
        "type": "regenerate",
        "conversation_id": "c1",
        "message_id": "a1",
        "alternatives": [{"id": "a1b", "content": "Canberra."}],
        "kept_id": "a1b",
    }
    assert isinstance(parse_event(0, good), RegenerateEvent)
    cases = [
        ({**good, "kept_id": "zz"}, "invalid_event", "kept_id"),
        ({**good, "type": "like"}, "unknown_type", "type"),
        ({**good, "alternatives": []}, "invalid_event", "alternatives"),
        ({**good, "surprise": 1}, "invalid_event", "surprise"),
        ({**good, "event_id": "x" * 201}, "invalid_event", "event_id"),
        (
            {
                "event_id": "e2",
                "type": "conversation",
                "conversation_id": "c1",
                "model": "m",
                "messages": [{"id": "m1", "role": "user", "content": "a\u0000b"}],
            },
            "invalid_event",
            "messages.0.content",
        ),
        (
            {
                "event_id": "e3",
                "type": "rating",
                "conversation_id": "c",
                "message_id": "a",
                "value": 6,
            },
            "invalid_event",
            "value",
        ),
        ([1, 2], "invalid_event", None),
    ]
    for index, (document, code, field) in enumerate(cases):
        error = parse_event(index, document)
        assert isinstance(error, EventError), document
        assert (error.index, error.code, error.field) == (index, code, field), error
    assert parse_event(4, cases[4][0]).event_id is None  # an unreadable id is not echoed
    assert parse_event(0, cases[0][0]).event_id == "e1"
