"""The fake OpenAI server that tests and benchmarks lean on (tests/support/fake_openai.py).

If the fake lies about latency, concurrency or failures, every test built on it lies too,
so its behaviour is pinned here through a real HTTP client.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.fake_openai import FakeOpenAI, chat_reply


def _chat(model: str = "fake-model", text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5) as c:
        yield c


def test_base_url_points_at_a_live_v1_api(fake: FakeOpenAI, client: httpx.Client) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/v1"
    ids = [m["id"] for m in client.get("/models").json()["data"]]
    assert ids == fake.models


def test_chat_reply_is_deterministic_and_recorded(fake: FakeOpenAI, client: httpx.Client) -> None:
    body = {
        "model": "fake-model",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "an answer"},
            {"role": "user", "content": "x" * 100},
        ],
        "temperature": 0.7,
        "seed": 42,
    }
    first = client.post("/chat/completions", json=body).json()
    second = client.post("/chat/completions", json=body).json()

    content = first["choices"][0]["message"]["content"]
    assert content == f"[fake-model] reply to: {'x' * 60} (seed=42, t=0.7)"
    assert content == chat_reply(body) == second["choices"][0]["message"]["content"]
    assert first["object"] == "chat.completion"
    assert first["model"] == "fake-model"
    assert first["choices"][0]["finish_reason"] == "stop"
    usage = first["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0

    assert fake.count() == 2
    assert fake.count(path="/chat/completions", model="fake-model") == 2
    assert fake.count(model="other") == 0
    record = fake.requests[0]
    assert (record.method, record.path, record.model) == (
        "POST",
        "/v1/chat/completions",
        "fake-model",
    )
    assert record.body == body
    assert record.outcome == "ok" and record.status == 200
    assert record.response["choices"][0]["message"]["content"] == content
    assert record.headers["content-type"] == "application/json"


def test_n_choices_differ_by_index(client: httpx.Client) -> None:
    choices = client.post("/chat/completions", json=_chat(n=3)).json()["choices"]
    assert [c["index"] for c in choices] == [0, 1, 2]
    assert len({c["message"]["content"] for c in choices}) == 3


def test_429_carries_retry_after_then_succeeds(fake: FakeOpenAI, client: httpx.Client) -> None:
    fake.fail_next(status=429, times=2, retry_after=1)

    for _ in range(2):
        limited = client.post("/chat/completions", json=_chat())
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "1"
        assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert client.post("/chat/completions", json=_chat()).status_code == 200

    assert [r.status for r in fake.requests] == [429, 429, 200]
    assert fake.count(outcome="failed") == 2


def test_500_once(fake: FakeOpenAI, client: httpx.Client) -> None:
    fake.fail_next(status=500, times=1)
    failed = client.post("/chat/completions", json=_chat())
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error"
    assert client.post("/chat/completions", json=_chat()).status_code == 200


def test_faults_can_target_one_model(fake: FakeOpenAI, client: httpx.Client) -> None:
    fake.fail_next(status=503, model="m2")
    assert client.post("/chat/completions", json=_chat("m1")).status_code == 200
    assert client.post("/chat/completions", json=_chat("m2")).status_code == 503
    assert client.post("/chat/completions", json=_chat("m2")).status_code == 200


def test_dropped_connection_is_a_transport_error(fake: FakeOpenAI, client: httpx.Client) -> None:
    fake.drop_next()
    with pytest.raises(httpx.TransportError):  # RemoteProtocolError: disconnected
        client.post("/chat/completions", json=_chat())
    assert client.post("/chat/completions", json=_chat()).status_code == 200
    assert [r.outcome for r in fake.requests] == ["dropped", "ok"]


def test_hang_makes_the_client_time_out(fake: FakeOpenAI, client: httpx.Client) -> None:
    fake.hang_next(5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post("/chat/completions", json=_chat(), timeout=0.3)
    assert time.monotonic() - started < 2
    assert fake.requests[0].hung_for == 5
    # The server stops promptly even with the hung handler still sleeping (fixture exit).


def test_concurrent_slow_requests_are_not_serialised(fake: FakeOpenAI) -> None:
    fake.latency = 0.3
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with httpx.Client(base_url=fake.base_url, timeout=5, limits=limits) as c:
        started = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            codes = list(
                pool.map(lambda i: c.post("/chat/completions", json=_chat()).status_code, range(32))
            )
        elapsed = time.monotonic() - started
    assert codes == [200] * 32
    # Concurrent, not serialised (32 x 0.3 s = 9.6 s); the bound leaves room for a busy machine.
    assert 0.3 <= elapsed < 32 * 0.3 / 4
    assert 30 <= fake.max_concurrency_seen <= 32
    assert fake.max_concurrency_seen_for("fake-model") == fake.max_concurrency_seen
    assert fake.in_flight == 0


def test_concurrency_per_model_with_asyncio(fake: FakeOpenAI) -> None:
    fake.latency = 0.3

    async def main() -> list[int]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=fake.base_url, timeout=5, limits=limits) as c:
            calls = [
                c.post("/chat/completions", json=_chat("a" if i % 4 else "b")) for i in range(64)
            ]
            return [r.status_code for r in await asyncio.gather(*calls)]

    started = time.monotonic()
    assert asyncio.run(main()) == [200] * 64
    # Concurrent, not serialised (64 x 0.3 s = 19.2 s); the bound leaves room for a busy machine.
    assert time.monotonic() - started < 64 * 0.3 / 4
    assert fake.max_concurrency_seen >= 60
    assert fake.max_concurrency_seen_for("a") >= 45
    assert 14 <= fake.max_concurrency_seen_for("b") <= 16

    fake.reset()
    assert (fake.count(), fake.max_concurrency_seen, fake.max_concurrency_seen_for("a")) == (
        0,
        0,
        0,
    )


def test_api_key_is_required_when_configured() -> None:
    with FakeOpenAI(api_key="sk-test") as fake, httpx.Client(base_url=fake.base_url) as c:
        missing = c.post("/chat/completions", json=_chat())
        wrong = c.get("/models", headers={"Authorization": "Bearer nope"})
        right = c.post(
            "/chat/completions", json=_chat(), headers={"Authorization": "Bearer sk-test"}
        )
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"
    assert right.status_code == 200
    assert fake.count(outcome="unauthorized") == 2


def test_images_are_tiny_valid_pngs(client: httpx.Client) -> None:
    body = {"model": "fake-image-model", "prompt": "a cat", "n": 2, "response_format": "b64_json"}
    data = client.post("/images/generations", json=body).json()["data"]
    assert len(data) == 2
    png = base64.b64decode(data[0]["b64_json"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    width, height = struct.unpack(">II", png[16:24])
    assert (length, kind, width, height) == (13, b"IHDR", 8, 8)
    idat_at = png.index(b"IDAT")
    (idat_len,) = struct.unpack(">I", png[idat_at - 4 : idat_at])
    assert len(zlib.decompress(png[idat_at + 4 : idat_at + 4 + idat_len])) == 8 * (1 + 8 * 3)
    assert png.endswith(b"IEND\xaeB`\x82")


def test_bad_requests_get_openai_errors(client: httpx.Client) -> None:
    assert client.post("/chat/completions", json={"model": "m"}).status_code == 400
    assert client.post("/chat/completions", content=b"{not json").status_code == 400
    assert client.post("/nope", json={}).json()["error"]["code"] == "unknown_url"


def test_runs_as_a_separate_process() -> None:
    script = Path(__file__).parents[1] / "support" / "fake_openai.py"
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--latency", "0.05"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with httpx.Client(base_url=base_url, timeout=5) as c:
            c.post(base_url.removesuffix("/v1") + "/_fake/fail_next", json={"status": 429})
            assert c.post("/chat/completions", json=_chat()).status_code == 429
            assert c.post("/chat/completions", json=_chat()).status_code == 200
            stats = c.get(base_url.removesuffix("/v1") + "/_fake/stats").json()
        assert stats["count"] == 2
        assert stats["outcomes"] == {"failed": 1, "ok": 1}
        assert stats["latency"] == 0.05
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
