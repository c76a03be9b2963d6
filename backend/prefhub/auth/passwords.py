"""The password policy: long enough, not a common password, not easy to guess (zxcvbn).

Applied wherever a person chooses a password (account creation over REST and the CLI, change,
reset); not inside ``service.create_user``, which the development seed and tests call directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from prefhub.auth.exceptions import WeakPassword

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3
# zxcvbn's own bound: its matching grows faster than the length (1024 characters take seconds).
_SCORED_LENGTH = 72
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, user_inputs: Iterable[str | None] = ()) -> None:
    """Raise ``WeakPassword`` unless ``password`` is acceptable for the person whose e-mail,
    name and the like are ``user_inputs`` (a password made of them is easy to guess)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    if password.lower() in _COMMON:
        raise WeakPassword(
            "This is a commonly used password; choose another. "
            "A few uncommon words together are easy to remember and hard to guess."
        )
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=_words(user_inputs))
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        hints = [feedback["warning"], *feedback["suggestions"]]
        hint = " ".join(h for h in hints if h) or "Add another word or two."
        raise WeakPassword(
            f"This password is too easy to guess. {hint}",
            details={"warning": feedback["warning"], "suggestions": feedback["suggestions"]},
        )


def _words(user_inputs: Iterable[str | None]) -> list[str]:
    """The inputs and their parts: ``ada.lovelace@example.org`` gives ``ada``, ``lovelace``…"""
    words: list[str] = []
    for value in user_inputs:
        if value:
            words.append(value.lower())
            words.extend(w for w in re.split(r"[^a-z0-9]+", value.lower()) if len(w) >= 3)
    return words
