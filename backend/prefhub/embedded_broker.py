"""The embedded worker's filesystem broker, with messages that appear whole.

kombu's filesystem transport creates a message's file under its final name and then writes
it: a worker listing the queue in between takes an empty file, fails to decode it and stops
("Unrecoverable error: JSONDecodeError"), and the message is lost with it. Here a message is
written under a name no queue matches and renamed into place (atomic within one folder), so a
consumer sees a message's file only once it is complete.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# A name kombu's consumer skips: it takes only files named "<stamp>_<uuid>.<queue>.msg".
_PARTIAL_PREFIX = "partial-"


class Channel(filesystem.Channel):
    # kombu's type stubs give its two base classes different signatures: this is the one it calls.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        folder = self.data_folder_out
        final = os.path.join(folder, f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg")
        partial = os.path.join(folder, f"{_PARTIAL_PREFIX}{uuid.uuid4().hex}")
        try:
            with open(partial, "wb", buffering=0) as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


# What Celery's ``broker_transport`` names (kombu resolves "module:Class").
TRANSPORT = f"{__name__}:Transport"
