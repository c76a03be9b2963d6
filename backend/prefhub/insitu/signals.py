"""Users' signals turned into preference data (issue 19, point 3): rules, one per signal.

Each rule reads one conversation (its messages as a tree: regenerations and edits branch it)
and the feedback on it, and derives rows in TRL's two shapes: a KTO row (an assistant turn and
whether it was desirable) or a preference pair (two answers to the same prompt, one chosen).
Every row names the signal it came from and a confidence, the chance that a careful annotator
would agree. The confidences are the rules' priors, and the verification campaigns (point 4)
measure them per signal:

- thumbs: KTO, up = desirable; 0.9 (the user said so; their last click on a turn counts);
- rating: KTO, 4-5 desirable, 1-2 not, 3 nothing; 0.8 at 1 and 5, 0.7 at 2 and 4;
- edit: a pair, the user's text chosen over the answer; 0.85 (they wrote what they wanted);
- regenerate: pairs, the kept answer chosen over each discarded one; 0.7 (people also
  regenerate for variety); with nothing known to be kept, KTO, the original undesirable; 0.5;
- follow_up: KTO from the user's next turn ("that's wrong" / "thanks"), read by rules; 0.6;
- copy: KTO, desirable; 0.5 (copying is use, not approval);
- abandon: KTO, undesirable, only when nobody replied to the turn; 0.2 (leaving is as often
  satisfaction).

A judge model's SAT/DSAT verdicts (stored with its provenance) join as their own signal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prefhub.insitu.events import (
    AbandonEvent,
    ConversationEvent,
    CopyEvent,
    EditEvent,
    Event,
    FollowUpEvent,
    RatingEvent,
    RegenerateEvent,
    ThumbsEvent,
)

Kind = Literal["kto", "pair"]


@dataclass(frozen=True)
class Turn:
    """A stored message: ``parent_id`` is resolved (the previous message when none was sent)."""

    id: str
    role: str
    text: str
    parent_id: str | None


@dataclass(frozen=True)
class Feedback:
    """A stored feedback event, in the order the product saw them (``sequence``)."""

    event_id: str
    type: str
    message_id: str
    sequence: int
    value: str | int | None = None  # thumbs "up"/"down", a rating
    kept_id: str | None = None  # regenerate
    discarded: tuple[str, ...] = ()  # regenerate: the other answers shown (message ids)
    edited_text: str | None = None  # edit


@dataclass(frozen=True)
class Derived:
    kind: Kind
    signal: str
    confidence: float
    message_id: str  # the assistant turn judged (a pair: the one rejected)
    prompt: tuple[tuple[str, str], ...]  # (role, text) from the conversation's start
    completion: str | None = None  # KTO
    label: bool | None = None  # KTO: desirable
    chosen: str | None = None  # pair
    rejected: str | None = None  # pair
    event_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Conversation:
    turns: dict[str, Turn]  # by id, in the order they arrived

    def prompt_of(self, message_id: str) -> tuple[tuple[str, str], ...]:
        """The turns before ``message_id`` on its branch, from the start."""
        path: list[Turn] = []
        parent = self.turns[message_id].parent_id
        seen: set[str] = set()
        while parent is not None and parent in self.turns and parent not in seen:
            seen.add(parent)
            path.append(self.turns[parent])
            parent = self.turns[parent].parent_id
        return tuple((turn.role, turn.text) for turn in reversed(path))

    def replies_to(self, message_id: str) -> list[Turn]:
        return [turn for turn in self.turns.values() if turn.parent_id == message_id]


def derive(conversation: Conversation, feedback: Sequence[Feedback]) -> list[Derived]:
    """Every row the rules derive from one conversation and its feedback."""
    rows: list[Derived] = []
    ordered = sorted(feedback, key=lambda event: event.sequence)
    for rule in (_turn_signals, _edits, _regenerations):
        rows += rule(conversation, ordered)
    rows += _follow_ups(conversation)
    return rows


def _answer(conversation: Conversation, message_id: str) -> Turn | None:
    turn = conversation.turns.get(message_id)
    return turn if turn is not None and turn.role == "assistant" else None


def _kto(
    conversation: Conversation,
    turn: Turn,
    signal: str,
    label: bool,
    confidence: float,
    event_ids: Iterable[str],
) -> Derived:
    return Derived(
        kind="kto",
        signal=signal,
        confidence=confidence,
        message_id=turn.id,
        prompt=conversation.prompt_of(turn.id),
        completion=turn.text,
        label=label,
        event_ids=tuple(event_ids),
    )


def _pair(
    conversation: Conversation,
    rejected: Turn,
    chosen_text: str,
    signal: str,
    confidence: float,
    event_id: str,
) -> Derived:
    return Derived(
        kind="pair",
        signal=signal,
        confidence=confidence,
        message_id=rejected.id,
        prompt=conversation.prompt_of(rejected.id),
        chosen=chosen_text,
        rejected=rejected.text,
        event_ids=(event_id,),
    )


def _last_per_message(feedback: Sequence[Feedback], type_: str) -> dict[str, Feedback]:
    """A user who changes their mind (up, then down) counts once, as they left it."""
    last: dict[str, Feedback] = {}
    for event in feedback:
        if event.type == type_:
            last[event.message_id] = event
    return last


# One KTO rule per simple signal: the user's last event of the kind on an assistant turn, and
# what it says (desirable, confidence), or None when it says nothing.
Verdict = Callable[[Feedback, Turn, "Conversation"], "tuple[bool, float] | None"]
TURN_RULES: dict[str, Verdict] = {
    "thumbs": lambda event, turn, conversation: (event.value == "up", 0.9),
    "rating": lambda event, turn, conversation: (
        None
        if not isinstance(event.value, int) or event.value == 3
        else (event.value > 3, 0.8 if event.value in (1, 5) else 0.7)
    ),
    "copy": lambda event, turn, conversation: (True, 0.5),
    "abandon": lambda event, turn, conversation: (
        None if conversation.replies_to(turn.id) else (False, 0.2)
    ),
}


def _turn_signals(conversation: Conversation, feedback: Sequence[Feedback]) -> list[Derived]:
    rows = []
    for signal, verdict_of in TURN_RULES.items():
        for message_id, event in _last_per_message(feedback, signal).items():
            turn = _answer(conversation, message_id)
            verdict = verdict_of(event, turn, conversation) if turn is not None else None
            if turn is not None and verdict is not None:
                label, confidence = verdict
                rows.append(_kto(conversation, turn, signal, label, confidence, [event.event_id]))
    return rows


def _edits(conversation: Conversation, feedback: Sequence[Feedback]) -> list[Derived]:
    rows = []
    for message_id, event in _last_per_message(feedback, "edit").items():
        turn = _answer(conversation, message_id)
        if turn is not None and event.edited_text and event.edited_text != turn.text:
            rows.append(_pair(conversation, turn, event.edited_text, "edit", 0.85, event.event_id))
    return rows


def _regenerations(conversation: Conversation, feedback: Sequence[Feedback]) -> list[Derived]:
    rows = []
    for event in feedback:
        if event.type != "regenerate":
            continue
        shown = [event.message_id, *event.discarded]
        answers = [turn for turn in (_answer(conversation, id_) for id_ in shown) if turn]
        kept = _answer(conversation, event.kept_id) if event.kept_id else None
        if kept is None:
            original = _answer(conversation, event.message_id)
            if original is not None:
                rows.append(
                    _kto(conversation, original, "regenerate", False, 0.5, [event.event_id])
                )
            continue
        for turn in answers:
            if turn.id != kept.id and turn.text != kept.text:
                rows.append(_pair(conversation, turn, kept.text, "regenerate", 0.7, event.event_id))
    return rows


# The user's next turn, read by rules in the spirit of WildFeedback's SAT/DSAT rubric:
# dissatisfaction (a correction, a complaint, asking again) outweighs politeness.
_DISSATISFIED = re.compile(
    r"\b(that'?s|this is|it'?s|you'?re|you are) (wrong|incorrect|not (right|correct|true|what))"
    r"|\b(wrong|incorrect|inaccurate|not what i (asked|wanted|meant)|you misunderstood"
    r"|doesn'?t work|does not work|didn'?t work|still (wrong|broken|not)|try again"
    r"|you (didn'?t|did not|forgot|ignored|missed)|that makes no sense|not helpful|useless)\b",
    re.IGNORECASE,
)
_SATISFIED = re.compile(
    r"\b(thanks?|thank you|thx|perfect|great|awesome|excellent|exactly|that works|it works"
    r"|works now|brilliant|helpful|nice|love it)\b",
    re.IGNORECASE,
)


def satisfaction(text: str) -> bool | None:
    """What the user's next turn says about the answer before it: True, False or nothing."""
    if _DISSATISFIED.search(text):
        return False
    if _SATISFIED.search(text):
        return True
    return None


def _follow_ups(conversation: Conversation) -> list[Derived]:
    rows = []
    for turn in conversation.turns.values():
        if turn.role != "user" or turn.parent_id is None:
            continue
        answer = _answer(conversation, turn.parent_id)
        verdict = satisfaction(turn.text) if answer is not None else None
        if answer is not None and verdict is not None:
            rows.append(_kto(conversation, answer, "follow_up", verdict, 0.6, []))
    return rows


def assemble(events: Iterable[Event]) -> dict[str, tuple[Conversation, list[Feedback]]]:
    """Each conversation's turns and feedback from its events, in the order given (the order the
    product saw them). A message sent twice keeps its first text; a message without
    ``parent_id`` follows the one before it in its event; regenerated answers are siblings of
    the answer they replaced."""
    turns: dict[str, dict[str, Turn]] = {}
    feedback: dict[str, list[Feedback]] = {}
    for sequence, event in enumerate(events):
        conversation = turns.setdefault(event.conversation_id, {})
        notes = feedback.setdefault(event.conversation_id, [])
        new_turns: list[Turn] = []
        about: dict[str, Any] | None = None  # a feedback event's own fields
        if isinstance(event, ConversationEvent):
            previous: str | None = None
            for message in event.messages:
                parent = message.parent_id if message.parent_id is not None else previous
                new_turns.append(Turn(message.id, message.role, message.text, parent))
                previous = message.id
        elif isinstance(event, FollowUpEvent):
            message = event.message
            new_turns.append(Turn(message.id, message.role, message.text, message.parent_id))
        elif isinstance(event, RegenerateEvent):
            original = conversation.get(event.message_id)
            parent = original.parent_id if original is not None else None
            new_turns += [
                Turn(alternative.id, "assistant", alternative.content, parent)
                for alternative in event.alternatives
            ]
            shown = tuple(alternative.id for alternative in event.alternatives)
            about = {"kept_id": event.kept_id, "discarded": shown}
        elif isinstance(event, EditEvent):
            about = {"edited_text": event.content}
        elif isinstance(event, ThumbsEvent | RatingEvent):
            about = {"value": event.value}
        elif isinstance(event, CopyEvent | AbandonEvent):
            about = {}
        for turn in new_turns:
            conversation.setdefault(turn.id, turn)
        # (about is None for those two; the check tells the type checker they have no message_id)
        if about is not None and not isinstance(event, ConversationEvent | FollowUpEvent):
            notes.append(Feedback(event.event_id, event.type, event.message_id, sequence, **about))
    return {
        conversation_id: (Conversation(conversation), feedback[conversation_id])
        for conversation_id, conversation in turns.items()
    }
