"""ASGI entry point for uvicorn: ``uvicorn prefhub.asgi:app``."""

import multiprocessing

from prefhub.app import create_app
from prefhub.kit.access_log import enabled, stdout_writer
from prefhub.kit.lifetime import exit_with_parent

# A worker process of ``uvicorn --workers N`` (``prefhub serve --workers N``) stops when its
# supervisor dies, even by SIGKILL: an orphan would keep serving and hold the port.
if (_supervisor := multiprocessing.parent_process()) is not None and _supervisor.pid:
    exit_with_parent(_supervisor.pid)

# ``prefhub serve`` turns uvicorn's access log off and this one on (or off: --no-access-log).
app = create_app(access_log=stdout_writer() if enabled() else None)
