"""The parts of bench/assignment.py its numbers rest on: the raw HTTP/1.1 client, the open-loop
schedule and its latency clock (from the scheduled time, so a slow server's queue shows), the
answers it sends, and the audit."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import random
import sys
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from prefhub.campaigns.answers import validate_answers
from prefhub.campaigns.spec import CampaignSpec, PairwiseQuestion

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # the script imports its sibling ``_common``
    try:
        spec = importlib.util.spec_from_file_location("bench_assignment", BENCH / "assignment.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


bench = _bench()


def test_parse_head_reads_status_length_cookies_and_close() -> None:
    head = bench.parse_head(
        b"HTTP/1.1 409 Conflict\r\ncontent-length: 42\r\nset-cookie: prefhub_session=abc; "
        b"HttpOnly; Path=/\r\nSet-Cookie: prefhub_csrf=def; Path=/\r\nconnection: close\r\n\r\n"
    )
    assert (head.status, head.content_length, head.chunked, head.close) == (409, 42, False, True)
    assert head.cookies == {"prefhub_session": "abc", "prefhub_csrf": "def"}
    chunked = bench.parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert (chunked.status, chunked.content_length, chunked.chunked) == (200, None, True)


def test_build_request_frames_the_body() -> None:
    raw = bench.build_request("POST", "/x", "h:1", b"Cookie: a=b\r\n", b'{"k":1}')
    assert raw == (
        b"POST /x HTTP/1.1\r\nHost: h:1\r\nCookie: a=b\r\nContent-Type: application/json\r\n"
        b'Content-Length: 7\r\n\r\n{"k":1}'
    )
    assert bench.build_request("GET", "/y", "h:1") == b"GET /y HTTP/1.1\r\nHost: h:1\r\n\r\n"


def test_connection_keeps_alive_reads_chunked_and_reconnects_after_a_server_close() -> None:
    async def scenario() -> tuple[list[tuple[int, bytes]], int, int]:
        accepted = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal accepted
            accepted += 1
            served = 0
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break
                served += 1
                if served == 1:
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                else:
                    writer.write(
                        b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n"
                        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                    )
                    await writer.drain()
                    break  # then close without a Connection: close, as an idle timeout does
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = bench.Connection("127.0.0.1", port)
        raw = bench.build_request("GET", "/", f"127.0.0.1:{port}")
        results = []
        for _ in range(3):
            head, body = await conn.request(raw)
            results.append((head.status, body))
            await asyncio.sleep(0.05)  # the server's close reaches the client
        conn.close()
        server.close()
        await server.wait_closed()
        return results, accepted, conn.reconnects

    results, accepted, reconnects = asyncio.run(scenario())
    assert results == [(200, b"ok"), (201, b"abcde"), (200, b"ok")]
    assert (accepted, reconnects) == (2, 1)


def test_open_loop_schedule_sends_at_the_offered_rate_within_the_jitter() -> None:
    rng = random.Random(3)
    schedules = bench.open_loop_schedule(200, 100.0, 10.0, 40.0, 0.25, rng)
    sends = [t for times in schedules for t in times]
    assert all(10.0 <= t < 40.0 for t in sends)
    assert abs(len(sends) / 30.0 - 100.0) < 5  # 200 annotators, one each 2 s
    gaps = [b - a for times in schedules for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 2.0 * 0.75 and max(gaps) <= 2.0 * 1.25


def test_open_loop_latency_counts_from_the_scheduled_time_when_the_server_falls_behind() -> None:
    class SlowLoop:
        """A server that takes 0.2 s per step while the annotator is due every 0.05 s."""

        async def fetch_next(self, a: Any, out: Any) -> bool:
            a.task = {"assignment_id": 1}
            return True

        async def step(self, a: Any, out: Any, resend: bool = False) -> int:
            await asyncio.sleep(0.2)
            return 1

    async def scenario() -> Any:
        annotator = SimpleNamespace(task=None)
        start = time.monotonic() + 0.05
        times = [start + i * 0.05 for i in range(4)]
        return await bench.open_loop(SlowLoop(), [annotator], [times], start + 10)

    out = asyncio.run(scenario())
    latencies = [t1 - t0 for t0, t1, _ in out.steps]
    # Sent when due, each step would take 0.2 s; the queue behind the slow steps is counted.
    assert len(latencies) == 4
    assert latencies[-1] > 0.2 * 4 - 0.05 * 3 - 0.02
    assert latencies == sorted(latencies)


def test_answers_are_valid_for_the_campaign_asked() -> None:
    spec = CampaignSpec(name="b", slug="b", questions=[PairwiseQuestion(strength=True)])
    task = {
        "candidates": [{"label": "A"}, {"label": "B"}],
        "questions": [q.model_dump() for q in spec.questions],
    }
    rng = random.Random(1)
    choices = set()
    for _ in range(50):
        answers = bench.answer_for(task, rng)
        validate_answers(spec, answers)
        choices.add(answers["preference"]["choice"])
    assert choices == {"A", "B", "tie"}


def _judgment(jid: int, annotator: int, item: int, client: str, assignment: int) -> Any:
    return SimpleNamespace(
        id=jid,
        annotator_id=annotator,
        item_id=item,
        client_id=client,
        assignment_id=assignment,
        supersedes_id=None,
    )


def test_audit_counts_over_assigned_lost_and_duplicated() -> None:
    items = [(1, 2, 2), (2, 2, 1)]  # (id, assigned_count, judgment_count)
    judgments = [
        _judgment(10, 7, 1, "c1", 100),
        _judgment(11, 8, 1, "c2", 101),
        _judgment(12, 8, 2, "c3", 102),
    ]
    assignments = [(1, 7, "submitted"), (1, 8, "submitted"), (2, 8, "submitted"), (2, 9, "leased")]
    acked = [(7, "c1", 10), (8, "c2", 11), (8, "c3", 12)]
    clean = bench.audit_rows(items, judgments, assignments, 2, acked)
    assert (clean.over_assigned, clean.lost, clean.duplicated_judgments) == (0, 0, 0)
    assert (clean.duplicated_assignments, clean.counter_mismatches) == (0, 0)

    # A third judgment on item 1 (K=2), a second by annotator 8 on item 2, one acked judgment
    # missing from the database and a second assignment of item 2 to annotator 9.
    judgments += [_judgment(13, 9, 1, "c4", 103), _judgment(14, 8, 2, "c5", 104)]
    assignments += [(2, 9, "leased")]
    acked += [(9, "c4", 13), (9, "c9", 99)]
    found = bench.audit_rows(items, judgments, assignments, 2, acked)
    assert found.over_assigned == 2  # item 1: 3 judgments; item 2: 2 judgments + 2 leases
    assert found.lost == 1
    assert found.duplicated_judgments == 1
    assert found.duplicates_by["annotator_item"] == 1
    assert found.duplicated_assignments == 1
    assert found.unacknowledged == 1  # judgment 14 (c5) was never acknowledged


def test_open_loop_summary_counts_the_never_sent_as_at_least_their_wait() -> None:
    cpu = {
        "seconds": 10.0,
        "cpu_s": {k: 1.0 for k in (*bench.CpuWatch.GROUPS, "postgres_all", "machine", "other")},
        "loadavg_before": [0.0, 0.0, 0.0],
        "loadavg_after": [0.0, 0.0, 0.0],
    }
    out = {
        # (scheduled, ended, round trips): two end in the window [100, 110), one after it
        "steps": [(100.0, 100.01, 1), (101.0, 109.0, 1), (109.0, 115.0, 1)],
        "unsent": [109.5, 111.0],  # the second was scheduled after the window
        "deadline": 120.0,
        "errors": {},
        "exhausted": 0,
        "reconnects": 0,
    }
    summary = bench.summarise_phase("open_loop", out, cpu, 100.0, 110.0, True)
    assert summary["judgments"] == 2 and summary["judgments_per_s"] == 0.2
    assert summary["cpu_ms_per_judgment"]["api"] == 500.0  # 1 s of CPU over 2 judgments
    assert summary["scheduled_in_window"] == 4 and summary["never_sent"] == 1
    assert summary["latency_lower_bound"] is True
    assert summary["submit_and_next_ms"]["max"] == 10500.0  # 109.5 -> the deadline
    assert summary["submit_and_next_ms"]["p50"] == 7000.0  # of 10, 8000, 6000, 10500 ms
