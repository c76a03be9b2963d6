"""Pseudonymous annotator ids: a keyed hash, never an e-mail or a crowd-platform id."""

from __future__ import annotations

import hashlib
import hmac

from prefhub.settings import DEV_SECRET_KEY, get_settings

DEVELOPMENT_KEY_WARNING = (
    "These exports were made with the development secret key (PREFHUB_SECRET_KEY at its public "
    "default): anyone can recompute the pseudonyms from account ids, so annotator ids are not "
    "pseudonymous. Set PREFHUB_SECRET_KEY to a long random value and export again before "
    "sharing."
)


def development_key_in_use() -> bool:
    """Whether pseudonyms are keyed with the public development default, i.e. reversible."""
    return get_settings().secret_key == DEV_SECRET_KEY


class Pseudonymizer:
    def __init__(self, salt: str = "") -> None:
        key = hashlib.sha256(f"{get_settings().secret_key}:{salt}".encode()).digest()
        self._key = key
        self._cache: dict[int, str] = {}

    def __call__(self, user_id: int) -> str:
        found = self._cache.get(user_id)
        if found is None:
            digest = hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()
            found = self._cache[user_id] = "ann-" + digest[:16]
        return found
