"""One AgentOSClient shared by 32 threads, each streaming a background run, against the real server.

Measures what the README states: all runs complete, no thread sees another run's events, and once
every stream is closed each open socket is an idle one in the pool (counted through /proc), none
beyond ``pool_maxsize``; closing the client closes them all.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Dict, List, Tuple

from _support import established_sockets, local_ports, pool_state

from agentos_sync import AgentOSClient, events
from agentos_sync.streams import RunStream

THREADS = 32
WAIT = 120.0


def observe(name: str, value: Any) -> None:
    print(f"\nOBSERVED {name}: {json.dumps(value, default=str)}")
    path = os.environ.get("AGENTOS_IT_OBSERVATIONS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"name": name, "value": value}, default=str) + "\n")


def _round(
    client: AgentOSClient, tokens: Callable[[int], int]
) -> Tuple[Dict[int, Tuple[RunStream, List[events.RunEvent], float]], float]:
    """THREADS threads, released together, each streaming one background run to its end."""
    barrier = threading.Barrier(THREADS, timeout=60)
    results: Dict[int, Tuple[RunStream, List[events.RunEvent], float]] = {}
    failures: List[Tuple[int, BaseException]] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            start = time.monotonic()
            message = f"[tokens={tokens(i)} delay=0.01] thread {i}"
            with client.run_agent_stream("assistant", message, background=True) as stream:
                results[i] = (stream, list(stream), time.monotonic() - start)
        except BaseException as exc:
            failures.append((i, exc))

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,), name=f"it-stream-{i}") for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not [t for t in threads if t.is_alive()], "a streaming thread did not finish in time"
    assert not failures, failures
    assert len(results) == THREADS
    return results, time.monotonic() - started


def test_32_threads_stream_background_runs_through_one_client(agentos: Any) -> None:
    client = AgentOSClient(agentos.url, pool_maxsize=THREADS, timeout=(10.0, 60.0))

    def tokens(i: int) -> int:
        return 8 + i  # a different answer length per thread: a mixed-up event shows in the text

    results, wall = _round(client, tokens)
    run_ids = set()
    for i, (stream, evs, _) in results.items():
        assert stream.closed and stream.run_id is not None
        run_ids.add(stream.run_id)
        assert {ev.run_id for ev in evs} == {stream.run_id}, f"thread {i} saw another run's events"
        assert {ev.session_id for ev in evs} == {stream.session_id}
        indexes = [ev.event_index for ev in evs]
        assert None not in indexes and indexes == sorted(set(indexes))  # type: ignore[type-var]
        text = "".join(ev.content for ev in evs if isinstance(ev, events.RunContentEvent) and ev.content)
        assert text == "".join(f"tok{k} " for k in range(tokens(i))), f"thread {i}: {text!r}"
        assert isinstance(stream.terminal_event, events.RunCompletedEvent)
    assert len(run_ids) == THREADS

    sockets_first = local_ports(agentos.port)
    open_after = len(sockets_first)
    pool = pool_state(client)
    reconnects = sum(stream.reconnects for stream, _, _ in results.values())
    per_stream = sorted(seconds for _, _, seconds in results.values())

    # A second round on the same client: the pooled connections are reused.
    second, wall2 = _round(client, tokens)
    assert {s.run_id for s, _, _ in second.values()}.isdisjoint(run_ids)
    sockets_second = local_ports(agentos.port)
    open_after_second = len(sockets_second)
    pool2 = pool_state(client)

    client.close()
    deadline = time.monotonic() + 10
    while established_sockets(agentos.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    open_after_close = established_sockets(agentos.port)
    observe(
        "32 threads, one client",
        {
            "threads": THREADS,
            "pool_maxsize": THREADS,
            "completed": len(results),
            "distinct_run_ids": len(run_ids),
            "events": sum(len(evs) for _, evs, _ in results.values()),
            "reconnects": reconnects,
            "wall_seconds": round(wall, 2),
            "stream_seconds_median": round(per_stream[len(per_stream) // 2], 2),
            "stream_seconds_max": round(per_stream[-1], 2),
            "connections_made": pool["made"],
            "idle_in_pool_after": pool["idle"],
            "established_after_streams": open_after,
            "second_round_wall_seconds": round(wall2, 2),
            "connections_made_after_second_round": pool2["made"],
            "established_after_second_round": open_after_second,
            "sockets_reused_by_second_round": len(sockets_first & sockets_second),
            "established_after_client_close": open_after_close,
        },
    )
    assert open_after <= THREADS and open_after_second <= THREADS
    assert open_after == pool["idle"], "a socket is open that is not idle in the pool: a stream kept its connection"
    assert open_after_second == pool2["idle"]
    assert open_after_close == 0
