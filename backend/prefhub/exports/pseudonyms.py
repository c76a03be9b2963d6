"""Pseudonymous annotator ids: a keyed hash, never an e-mail or a crowd-platform id."""

from __future__ import annotations

import hashlib
import hmac

from prefhub.settings import get_settings


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
