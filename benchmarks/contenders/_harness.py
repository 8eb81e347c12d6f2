"""The measuring loop every contender shares, so per-event overhead is identical across them.

A contender module defines::

    NAME = "handrolled"
    def load() -> None                      # import the library under test (timed: import_s)
    def make_client(url, threads=1)         # a client / session, built before the clock starts
    def open_stream(client, url)            # start a background run; iterate it for the events
    def event_index(ev) -> int | None
    def event_type(ev) -> str
    def close_client(client) -> None
    def describe() -> dict                  # optional: facts the runner needs (reported as "info")

(``IS_ASYNC = True`` and an async ``open_stream`` for asyncio clients: throughput mode only.)
Modes (``--mode``): ``throughput`` (one stream, events/s), ``lengths`` (the first stream of a
fresh process, then warm ones: seconds each), ``memory`` (RSS after 10k events vs at
the end), ``bigframe`` (delivery time of the RunCompleted frame), ``reconnect`` (gap from the
last event before each cut to the next event), ``refuse`` (CPU share while the server refuses
connections) and ``threads`` (T streams one after the other vs T streams on T threads).
The result is one line on stdout: ``RESULT {json}``; the exit status is 1 on failure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import threading
import time
import traceback
from types import ModuleType
from typing import Any, Dict, List, Optional

from benchmarks.frames import EXTRA_EVENTS

MEMORY_MARKS = (10_000, 100_000, 250_000, 500_000, 750_000)


def maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def current_rss_kib() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return -1


def set_scenario(url: str, spec: str) -> Dict[str, Any]:
    """Replace the server's scenario (``"n=1000,frame=390"``); the server pre-renders it."""
    import http.client
    from urllib.parse import urlsplit

    from benchmarks.frames import Scenario

    body = json.dumps({"_reset": 1, **Scenario.parse(spec).to_dict()})
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=120)
    try:
        conn.request("POST", "/_bench/scenario", body=body, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read())
        if resp.status != 200:
            raise RuntimeError(f"scenario rejected: {data}")
        return data  # type: ignore[no-any-return]
    finally:
        conn.close()


# -- modes -------------------------------------------------------------------------------------
def _check(count: int, expected: Optional[int], last_type: Optional[str]) -> Optional[str]:
    if expected is not None and count != expected:
        return f"got {count} events, expected {expected}"
    if last_type != "RunCompleted":
        return f"last event is {last_type!r}, not RunCompleted"
    return None


def mode_throughput(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    client = mod.make_client(url)
    count = 0
    ev: Any = None
    c0, t0 = time.process_time(), time.perf_counter()
    for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
        count += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    res: Dict[str, Any] = {
        "events": count,
        "seconds": dt,
        "eps": count / dt if dt > 0 else 0.0,
        "cpu_s": cpu,
        "eps_cpu": count / cpu if cpu > 0 else 0.0,
    }
    err = _check(count, expected, mod.event_type(ev) if ev is not None else None)
    mod.close_client(client)
    if err:
        res["error"] = err
    return res


async def _athroughput(mod: ModuleType, url: str) -> Dict[str, Any]:
    client = mod.make_client(url)
    count = 0
    ev: Any = None
    c0, t0 = time.process_time(), time.perf_counter()
    async for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
        count += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "events": count,
        "seconds": dt,
        "eps": count / dt if dt > 0 else 0.0,
        "cpu_s": cpu,
        "eps_cpu": count / cpu if cpu > 0 else 0.0,
        "_last": mod.event_type(ev) if ev is not None else None,
    }


def mode_lengths(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    """The first stream of a fresh process (client built, library imported: both outside the
    clock), then ``--repeat`` warm ones: seconds and CPU seconds per stream."""
    client = mod.make_client(url)
    walls: List[float] = []
    cpus: List[float] = []
    for _ in range(args.repeat + 1):
        count = 0
        ev: Any = None
        c0, t0 = time.process_time(), time.perf_counter()
        for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
            count += 1
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        err = _check(count, expected, mod.event_type(ev) if ev is not None else None)
        if err:
            return {"error": err}
    mod.close_client(client)
    return {"events": count, "cold_s": walls[0], "cold_cpu_s": cpus[0], "warm_s": walls[1:], "warm_cpu_s": cpus[1:]}


def mode_memory(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    client = mod.make_client(url)
    marks = [m for m in MEMORY_MARKS if expected is None or m < expected]
    next_mark = marks[0] if marks else -1
    samples: List[Dict[str, int]] = []
    count = 0
    ev: Any = None
    t0 = time.perf_counter()
    for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
        count += 1
        if count == next_mark:
            samples.append({"events": count, "maxrss_kib": maxrss_kib(), "rss_kib": current_rss_kib()})
            marks.pop(0)
            next_mark = marks[0] if marks else -1
    dt = time.perf_counter() - t0
    samples.append({"events": count, "maxrss_kib": maxrss_kib(), "rss_kib": current_rss_kib()})
    base = samples[0]["maxrss_kib"]
    res: Dict[str, Any] = {
        "events": count,
        "seconds": dt,
        "eps": count / dt if dt > 0 else 0.0,
        "samples": samples,
        "growth_kib": samples[-1]["maxrss_kib"] - base,
    }
    err = _check(count, expected, mod.event_type(ev) if ev is not None else None)
    if err:
        res["error"] = err
    mod.close_client(client)
    return res


def mode_bigframe(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    """Time from delivering the event before RunCompleted to delivering RunCompleted: the server
    has written both back to back, so this is the cost of receiving + decoding the big frame."""
    client = mod.make_client(url)
    lats: List[float] = []
    for _ in range(args.repeat + 1 if args.repeat else 1):  # +1: a warm-up stream (lazy imports, pool)
        prev = t = 0.0
        count = 0
        ev: Any = None
        for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
            prev, t = t, time.perf_counter()
            count += 1
        err = _check(count, expected, mod.event_type(ev) if ev is not None else None)
        if err:
            return {"error": err, "latencies_s": lats}
        lats.append(t - prev)
    mod.close_client(client)
    measured = lats[1:] or lats  # --repeat 0: one cold stream
    return {"latencies_s": measured, "warmup_s": lats[0], "median_s": statistics.median(measured)}


def _reconnect_stream(mod: ModuleType, url: str, args: argparse.Namespace, client: Any) -> Dict[str, Any]:
    boundaries = [j * args.cut - 1 for j in range(1, args.cuts + 1)]
    pending = set(boundaries)
    gaps: List[float] = []
    cpu: List[float] = []
    walls: List[float] = []
    t_cut = cpu_cut = 0.0
    waiting = False
    count = 0
    ev: Any = None
    stream = mod.open_stream(client, url)
    for ev in stream:
        t = time.perf_counter()
        count += 1
        idx = mod.event_index(ev)
        if idx is None:  # a meta event (catch_up/replay/subscribed) if the client yields them
            continue
        if waiting:
            waiting = False
            gaps.append(t - t_cut)
            walls.append(t - t_cut)
            cpu.append(time.process_time() - cpu_cut)
        if idx in pending:
            pending.discard(idx)
            waiting = True
            t_cut = time.perf_counter()
            cpu_cut = time.process_time()
    res: Dict[str, Any] = {
        "events": count,
        "gaps_s": gaps,
        "cpu_s": cpu,
        "wall_s": walls,
        "last": mod.event_type(ev) if ev is not None else None,
    }
    reconnects = getattr(stream, "reconnects", None)
    if reconnects is not None:
        res["reconnects"] = reconnects
    return res


def mode_reconnect(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    client = mod.make_client(url)
    res = _reconnect_stream(mod, url, args, client)
    mod.close_client(client)
    if res["last"] != "RunCompleted":
        res["error"] = f"stream ended on {res['last']!r}"
    elif len(res["gaps_s"]) != args.cuts:
        res["error"] = f"saw {len(res['gaps_s'])} resumed gaps, expected {args.cuts}"
    else:
        res["median_s"] = statistics.median(res["gaps_s"])
    return res


def mode_refuse(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    res = mode_reconnect(mod, url, expected, args)
    if "error" not in res:
        res["cpu_share"] = sum(res["cpu_s"]) / sum(res["wall_s"])
    return res


def mode_threads(mod: ModuleType, url: str, expected: Optional[int], args: argparse.Namespace) -> Dict[str, Any]:
    """T streams one after another on one thread vs T streams on T threads, one shared client."""
    threads = args.threads
    client = mod.make_client(url, threads=threads)
    errors: List[str] = []

    def one() -> int:
        count = 0
        ev: Any = None
        for ev in mod.open_stream(client, url):  # noqa: B007 (ev: the last event, checked after the loop)
            count += 1
        err = _check(count, expected, mod.event_type(ev) if ev is not None else None)
        if err:
            errors.append(err)
        return count

    def sequential() -> float:
        t0 = time.perf_counter()
        total = sum(one() for _ in range(threads))
        return total / (time.perf_counter() - t0)

    def concurrent() -> float:
        counts = [0] * threads
        barrier = threading.Barrier(threads + 1)

        def worker(i: int) -> None:
            barrier.wait()
            try:
                counts[i] = one()
            except Exception as exc:
                errors.append(f"thread {i}: {exc!r}")

        ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for th in ts:
            th.start()
        barrier.wait()
        t0 = time.perf_counter()
        for th in ts:
            th.join()
        return sum(counts) / (time.perf_counter() - t0)

    one()  # warm-up: lazy imports, the first pooled connection
    seq: List[float] = []
    conc: List[float] = []
    for _ in range(args.repeat):
        seq.append(sequential())
        conc.append(concurrent())
    mod.close_client(client)
    res: Dict[str, Any] = {
        "single_eps": seq,
        "aggregate_eps": conc,
        "ratio": statistics.median(conc) / statistics.median(seq),
    }
    if errors:
        res["error"] = errors[0] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
    return res


MODES = {
    "throughput": mode_throughput,
    "lengths": mode_lengths,
    "memory": mode_memory,
    "bigframe": mode_bigframe,
    "reconnect": mode_reconnect,
    "refuse": mode_refuse,
    "threads": mode_threads,
}


def main(mod: ModuleType, argv: Optional[List[str]] = None) -> None:
    spec = getattr(mod, "__spec__", None)
    ap = argparse.ArgumentParser(prog=f"python -m {spec.name if spec else mod.__name__}", description=mod.__doc__)
    ap.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of benchmarks/sse_server.py")
    ap.add_argument("--n", type=int, default=None, help="RunContent events the server sends (checked)")
    ap.add_argument("--mode", choices=sorted(MODES), default="throughput")
    ap.add_argument("--scenario", default="", help="set the server scenario first, e.g. n=100000,frame=390")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--cut", type=int, default=0, help="reconnect/refuse: the server's cut=K")
    ap.add_argument("--cuts", type=int, default=1, help="reconnect/refuse: the server's cuts=M")
    args = ap.parse_args(argv)

    res: Dict[str, Any] = {"contender": mod.NAME, "mode": args.mode}
    code = 0
    try:
        if args.scenario:
            sc = set_scenario(args.url, args.scenario)
            if args.n is None:
                args.n = int(sc["n"])
        expected = args.n + EXTRA_EVENTS if args.n is not None else None
        t0 = time.perf_counter()
        mod.load()
        res["import_s"] = time.perf_counter() - t0
        res["rss_after_import_kib"] = maxrss_kib()
        if hasattr(mod, "describe"):
            res["info"] = mod.describe()
        gc.collect()
        if getattr(mod, "IS_ASYNC", False):
            if args.mode != "throughput":
                raise SystemExit(f"{mod.NAME}: only --mode throughput is implemented for async clients")
            import asyncio

            out = asyncio.run(_athroughput(mod, args.url))
            last = out.pop("_last")
            err = _check(out["events"], expected, last)
            if err:
                out["error"] = err
        else:
            out = MODES[args.mode](mod, args.url, expected, args)
        res.update(out)
    except Exception as exc:
        res["error"] = f"{type(exc).__name__}: {exc}"
        res["traceback"] = traceback.format_exc(limit=8)
    res["maxrss_kib"] = maxrss_kib()
    if "error" in res:
        code = 1
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")
    sys.stdout.flush()
    sys.exit(code)
