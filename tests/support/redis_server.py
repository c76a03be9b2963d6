"""A Redis of a test's own (stopping it disturbs nothing else on the machine)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from support.processes import wait_for
from support.services import require_or_skip


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        require_or_skip("redis", "redis-server is not installed")
    return str(binary)


def start_redis(folder: Path, port: int) -> subprocess.Popen:
    """``redis-server`` on 127.0.0.1:``port`` with an append-only file, as docker-compose.yml
    runs it; returns once it answers PING. Stop it with ``terminate()``."""
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    process = subprocess.Popen(
        [redis_binary(), *args, "--appendonly", "yes", "--appendfsync", "always"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    wait_for(answers, timeout=20)
    return process
