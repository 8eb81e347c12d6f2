"""The client side of the scale and thundering-herd benchmarks (issue 27): one fresh process, N
open background streams, one client, phases driven through ``benchmarks/scale_server.py``.

    python -m benchmarks.scale --url URL --mode scale --client agentos_sync --n 1000
    python -m benchmarks.scale --url URL --mode herd --client requests-sseclient --n 1000 --refuse 2

Clients (``--client``):

- ``agentos_sync``: N threads, one shared ``AgentOSClient(base_url, pool_maxsize=N)``, each
  ``with client.agents.stream("assistant", "bench", background=True) as stream: for ev in stream``.
- ``agentos_sync-run_many``: ``client.run_many([("assistant", "bench")] * N, max_workers=N,
  resumable=True)``, which holds N background streams on its N threads and returns the outputs
  (no loop of the caller sees the events: no delay figure).
- ``requests-sseclient``: N threads, one ``requests.Session`` with a pool of N, each posting the
  create (``stream=true``, ``background=true``) and reading ``sseclient.SSEClient(resp).events()`` +
  ``json.loads``, as sseclient-py's README writes it. In herd mode it resumes by hand the way a
  careful user would: ``/resume`` with the last index, duplicates dropped, a backoff of 0.1 s that
  doubles up to 5 s (the ceilings of this client's default policy), without jitter.

Scale phases: a warm-up run; N idle threads (the baseline: RSS with the threads and no stream);
the same threads open their streams (the server sends RunStarted and ModelRequestStarted and falls
silent); an idle window (RSS, CPU); a burst of E RunContent events to every stream (aggregate
events/s from the burst's start to the last stream's E-th event); a second idle window (RSS after
traffic, CPU); paced events, R per second per stream for D seconds, each stamped with the server's
write time (delay write -> loop, p50/p99); the runs' tails; every stream checked exact. run_many
has the idle window, then a burst that ends the runs (E events and the tails), timed to its return.

Herd phases: a warm-up run; N streams open; a burst of B events; the server cuts every connection
at once (and refuses connections for T seconds: a restart), publishing K events meanwhile; every
stream must come back and catch up; then the tails, and every stream checked exact (indices 0..end
once each, in order). Every request is logged on both sides: the client's attempts (refused ones
included; agentos_sync through a counting `Transport` wrapper) and what reached the server.

Prints ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import traceback
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as a file: make ``benchmarks`` importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.scale_server import joined_content, raise_nofile

CLIENTS = ("agentos_sync", "agentos_sync-run_many", "requests-sseclient")
HEAD = 2  # RunStarted, ModelRequestStarted
TAIL = 3  # ModelRequestCompleted, RunContentCompleted, RunCompleted
HERD_BACKOFF = (0.1, 5.0)  # the hand-rolled resume loop: first wait, cap (doubling, no jitter)

monotonic_ns = time.monotonic_ns


# -- measuring ----------------------------------------------------------------------------------
def rss_kib() -> int:
    """Current resident set size (VmRSS) of this process, KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def stacks_rss_kib() -> int:
    """Resident KiB of the threads' stacks (the anonymous mappings of the default stack size):
    the part of a thread's memory that grows with how deep its code has ever called."""
    size = threading.stack_size() or 8 * 1024 * 1024
    import resource as _r

    soft = _r.getrlimit(_r.RLIMIT_STACK)[0]
    if not threading.stack_size() and soft > 0:
        size = soft
    total = 0
    with open("/proc/self/smaps") as f:
        in_stack = False
        for line in f:
            if line.startswith("Size:"):
                in_stack = abs(int(line.split()[1]) - size // 1024) <= 8
            elif line.startswith("Rss:") and in_stack:
                total += int(line.split()[1])
    return total


def thread_cpu() -> Dict[int, float]:
    """CPU seconds of every thread of this process, by native thread id."""
    tick = os.sysconf("SC_CLK_TCK")
    out: Dict[int, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


#: ``BENCH_SCALE_TRACEMALLOC=1``: trace Python allocations from the baseline on, and report at
#: each quiet window the lines holding the most memory beyond the baseline (a profile: it slows
#: every phase down, so its figures are not the benchmark's).
TRACE = os.environ.get("BENCH_SCALE_TRACEMALLOC") == "1"
_trace_base: List[Any] = []


def _trace_top(limit: int = 8) -> List[Dict[str, Any]]:
    import tracemalloc

    if not tracemalloc.is_tracing():
        tracemalloc.start(4)
        _trace_base.append(tracemalloc.take_snapshot())
        return []
    diff = tracemalloc.take_snapshot().compare_to(_trace_base[0], "traceback")
    return [
        {"kib": d.size_diff / 1024, "count": d.count_diff, "where": [str(f) for f in d.traceback][-4:]}
        for d in diff[:limit]
    ]


def malloc_trim() -> bool:
    """Hand the C allocator's free memory back to the system (glibc ``malloc_trim(0)``): the RSS
    after it, beside the RSS before, tells memory still held from memory freed but kept."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return False
    return True


def idle_window(seconds: float, trim: bool = False) -> Dict[str, Any]:
    """RSS now, and the process's CPU over a quiet window (the caller sleeps through it), with the
    busiest threads named: what an idle stream costs while the server is silent. ``trim``: also
    the RSS after ``malloc_trim(0)`` (a diagnostic, taken after the window)."""
    gc.collect()
    rss = rss_kib()
    stacks = stacks_rss_kib()
    top = _trace_top() if TRACE else None
    names = {t.native_id: t.name for t in threading.enumerate()}
    per0 = thread_cpu()  # reading 1,000 /proc files costs ~20 ms of CPU: kept out of the window
    t0, c0 = time.perf_counter(), time.process_time()
    time.sleep(seconds)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    per1 = thread_cpu()
    busy = sorted(((per1[t] - per0.get(t, 0.0), t) for t in per1), reverse=True)[:5]
    return {
        "rss_kib": rss,
        "stacks_rss_kib": stacks,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_share": cpu / wall if wall > 0 else 0.0,
        "threads": threading.active_count(),
        "busiest": [{"name": names.get(t, str(t)), "cpu_s": c} for c, t in busy if c > 0],
        **({"tracemalloc": top} if top else {}),
        **({"rss_trimmed_kib": rss_kib()} if trim and malloc_trim() else {}),
    }


def pct(values: Sequence[float], q: float) -> Optional[float]:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def peak_in_window(times_ns: Sequence[int], window_s: float) -> int:
    """The most events of ``times_ns`` in any window of that length (sliding)."""
    ts = sorted(times_ns)
    width = int(window_s * 1e9)
    best = lo = 0
    for hi, t in enumerate(ts):
        while t - ts[lo] >= width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


class GcPauses:
    """The cyclic collector's pauses while armed (every thread stops while it runs): count, total
    and longest per generation."""

    def __init__(self) -> None:
        self.pauses: List[Tuple[int, float]] = []
        self._start = 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, info: Dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._start))

    def summary(self) -> Dict[str, Any]:
        gc.callbacks.remove(self._cb)
        out: Dict[str, Any] = {}
        for gen in (0, 1, 2):
            ps = [d for g, d in self.pauses if g == gen]
            if ps:
                out[f"gen{gen}"] = {"count": len(ps), "total_ms": sum(ps) * 1e3, "max_ms": max(ps) * 1e3}
        return out


class Tally:
    """What one stream delivered, as its loop saw it: the same bookkeeping for every client."""

    __slots__ = ("count", "delays", "done_ns", "ended", "error", "last", "order_errors", "record", "target", "times")

    def __init__(self) -> None:
        self.count = 0
        self.last = -1
        self.order_errors = 0
        self.target = -1
        self.done_ns = 0
        self.delays: List[int] = []
        self.times: List[Tuple[int, int]] = []
        self.record = False
        self.ended = False
        self.error: Optional[str] = None

    def see(self, index: Optional[int], sent_ns: Optional[int]) -> None:
        now = monotonic_ns()
        if index is None:
            return
        if index != self.last + 1:
            self.order_errors += 1
        self.last = index
        self.count += 1
        if sent_ns is not None:
            self.delays.append(now - sent_ns)
        if self.record:
            self.times.append((index, now))
        if self.count == self.target:
            self.done_ns = now


# -- the server's controls ----------------------------------------------------------------------
class Control:
    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80

    def __call__(self, name: str, method: str = "POST", **params: Any) -> Any:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        try:
            query = f"?{urlencode(params)}" if params else ""
            conn.request(method, f"/_scale/{name}{query}")
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status != 200:
                raise RuntimeError(f"/_scale/{name}: {resp.status} {data}")
            return data
        finally:
            conn.close()

    def wait(self, what: str, ok: Any, timeout: float) -> Dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            st = self("stats", "GET")
            if ok(st):
                return st  # type: ignore[no-any-return]
            if time.monotonic() > end:
                raise RuntimeError(f"timed out waiting for {what}: {st}")
            time.sleep(0.05)


def wait_tallies(tallies: List[Tally], target: int, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while True:
        short = [t for t in tallies if t.count < target and t.error is None and not t.ended]
        if not short:
            failed = [t.error for t in tallies if t.error]
            if failed:
                raise RuntimeError(f"{len(failed)} streams failed during {what}: {failed[0]}")
            return
        if time.monotonic() > end:
            raise RuntimeError(f"timed out during {what}: {len(short)} streams short of {target} events")
        time.sleep(0.002)


# -- clients ------------------------------------------------------------------------------------
class Counting:
    """A `Transport` that logs every request the client makes (time, kind, run, outcome) and
    passes it on: the client's own count of its attempts, refused connections included."""

    def __init__(self, inner: Any) -> None:
        from agentos_sync.transports import Transport

        class _Wrapper(Transport):
            def send(_self, request: Any) -> Any:  # the outer instance is `self`
                return self.send(request)

            def close(_self) -> None:
                inner.close()

        self.inner = inner
        self.transport = _Wrapper()
        self.log: List[Tuple[int, str, str, str, int]] = []
        self.sessions: Dict[str, str] = {}

    def send(self, request: Any) -> Any:
        from agentos_sync.errors import APIConnectionError

        t = monotonic_ns()
        path = request.url.split("?", 1)[0]
        parts = path.split("/")
        if path.endswith("/resume"):
            kind, key = "resume", parts[-2]
        elif request.method == "POST" and path.endswith("/runs"):
            kind, key = "create", (request.form or {}).get("run_id", "")
            self.sessions[(request.form or {}).get("session_id", "")] = key
        elif request.method == "GET" and path.endswith("/runs"):
            kind, key = "list", self.sessions.get(str((request.params or {}).get("session_id", "")), "")
        elif request.method == "GET" and "/runs/" in path:
            kind, key = "get", parts[-1]
        else:
            kind, key = "other", path
        fresh = 1 if request.fresh_connection else 0
        try:
            response = self.inner.send(request)
        except APIConnectionError as exc:
            self.log.append((t, kind, key, "error" if exc.reached_server else "refused", fresh))
            raise
        self.log.append((t, kind, key, str(response.status_code), fresh))
        return response


class Clients:
    """Builds the client under test and its per-stream worker."""

    def __init__(self, name: str, url: str, n: int, count: bool) -> None:
        self.name, self.url, self.n = name, url, n
        self.counting: Optional[Counting] = None
        self.log: List[Tuple[int, str, str, str, int]] = []  # the hand-rolled loop's own log
        self.log_lock = threading.Lock()
        if name == "requests-sseclient":
            import requests
            import sseclient

            self.requests, self.sseclient = requests, sseclient
            self.session = requests.Session()
            self.session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=n))
        else:
            import agentos_sync
            from agentos_sync.transports import RequestsTransport

            transport: Any = RequestsTransport(pool_maxsize=n)
            if count:
                self.counting = Counting(transport)
                transport = self.counting.transport
            self.client = agentos_sync.AgentOSClient(base_url=url, transport=transport)

    def stream(self, tally: Tally, message: str = "bench") -> None:
        """One stream read to its end by the calling thread, every event through ``tally``."""
        try:
            if self.name == "requests-sseclient":
                self._sseclient_stream(tally, message)
            else:
                with self.client.agents.stream("assistant", message, background=True) as stream:
                    for ev in stream:
                        extra = ev.__pydantic_extra__
                        tally.see(ev.event_index, extra.get("sent_ns") if extra else None)
            tally.ended = True
        except Exception as exc:
            tally.error = f"{type(exc).__name__}: {exc}"

    def _sseclient_stream(self, tally: Tally, message: str) -> None:
        resp = self.session.post(
            f"{self.url}/agents/assistant/runs",
            data={"message": message, "stream": "true", "background": "true"},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=(10, 300),
        )
        resp.raise_for_status()
        try:
            for event in self.sseclient.SSEClient(resp).events():
                d = json.loads(event.data)
                tally.see(d.get("event_index"), d.get("sent_ns"))
                if d.get("event") == "RunCompleted":
                    break
        finally:
            resp.close()

    def note(self, kind: str, key: str, outcome: str) -> None:
        with self.log_lock:
            self.log.append((monotonic_ns(), kind, key, outcome, 0))

    def resuming_stream(self, tally: Tally) -> None:
        """The hand-rolled resume loop (requests-sseclient in herd mode)."""
        requests, sseclient = self.requests, self.sseclient
        last, run_id, session_id = -1, "", ""
        first, cap = HERD_BACKOFF
        wait = first
        try:
            while True:
                kind = "resume" if run_id else "create"
                try:
                    if run_id:
                        resp = self.session.post(
                            f"{self.url}/agents/assistant/runs/{run_id}/resume",
                            data={"last_event_index": last, "session_id": session_id},
                            stream=True,
                            timeout=(10, 300),
                        )
                    else:
                        resp = self.session.post(
                            f"{self.url}/agents/assistant/runs",
                            data={"message": "bench", "stream": "true", "background": "true"},
                            stream=True,
                            timeout=(10, 300),
                        )
                    self.note(kind, run_id, str(resp.status_code))
                except requests.ConnectionError as exc:
                    refused = "refused" in str(exc).lower()
                    self.note(kind, run_id, "refused" if refused else "error")
                    time.sleep(wait)
                    wait = min(cap, wait * 2)
                    continue
                try:
                    for event in sseclient.SSEClient(resp).events():
                        d = json.loads(event.data)
                        idx = d.get("event_index")
                        if idx is None:
                            if d.get("event") == "error":
                                raise RuntimeError(d.get("error"))
                            continue
                        if idx <= last:
                            continue
                        last, run_id, session_id, wait = idx, d["run_id"], d["session_id"], first
                        tally.see(idx, d.get("sent_ns"))
                        if d.get("event") == "RunCompleted":
                            tally.ended = True
                            return
                except (requests.RequestException, OSError, ValueError):
                    pass  # a cut: resume after the wait
                finally:
                    resp.close()
                time.sleep(wait)
                wait = min(cap, wait * 2)
        except Exception as exc:
            tally.error = f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        if self.name == "requests-sseclient":
            self.session.close()
        else:
            self.client.close()


def warm_up(clients: Clients) -> None:
    """One whole run through the same code path: lazy imports, validators, the first connection."""
    tally = Tally()
    clients.stream(tally, message="warmup")
    if tally.error:
        raise RuntimeError(f"warm-up failed: {tally.error}")


#: ``BENCH_SCALE_CPROFILE=PATH``: every stream thread runs under its own cProfile profiler from
#: the moment it is released; the merged profile is written to PATH (pstats format) at the end.
#: A profile: it multiplies the CPU cost, so the run's figures do not count.
PROFILE_PATH = os.environ.get("BENCH_SCALE_CPROFILE", "")
_profiles: List[Any] = []


def dump_profiles() -> None:
    if PROFILE_PATH and _profiles:
        import pstats

        stats = pstats.Stats(_profiles[0])
        for prof in _profiles[1:]:
            stats.add(prof)
        stats.dump_stats(PROFILE_PATH)


def start_threads(n: int, target: Any, name: str) -> Tuple[List[threading.Thread], threading.Event]:
    go = threading.Event()
    ready = threading.Semaphore(0)

    def body(i: int) -> None:
        ready.release()
        go.wait()
        if PROFILE_PATH:
            import cProfile

            prof = cProfile.Profile(time.thread_time)  # CPU, not the wait for the GIL
            _profiles.append(prof)
            prof.runcall(target, i)
            return
        target(i)

    threads = [threading.Thread(target=body, args=(i,), name=f"{name}-{i}", daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for _ in threads:
        ready.acquire()
    return threads, go


# -- scale --------------------------------------------------------------------------------------
def _prepare(args: argparse.Namespace, count: bool) -> Tuple[Control, Clients]:
    """The server's controls and the client under test, warmed up by one whole run."""
    ctl = Control(args.url)
    ctl("reset")
    clients = Clients(args.client, args.url, args.n, count=count)
    warm_up(clients)
    ctl("reset")
    return ctl, clients


def mode_scale(args: argparse.Namespace) -> Dict[str, Any]:
    ctl, clients = _prepare(args, count=False)
    n = args.n
    per_stream = max(1, args.burst_total // n)
    res: Dict[str, Any] = {"n": n, "burst_events_per_stream": per_stream}
    run_many = args.client == "agentos_sync-run_many"
    tallies = [Tally() for _ in range(n)]

    # The baseline: N threads that hold no stream, blocked as a thread in a pool waits for work.
    gc.collect()
    res["rss_before_threads_kib"] = rss_kib()
    if run_many:
        threads, go = start_threads(n, lambda i: None, "idle")
        res["baseline"] = idle_window(0.5)
        go.set()
        for t in threads:
            t.join()
        outputs: List[Any] = []
        done_at: List[int] = []
        each_done: List[int] = []

        def drive() -> None:
            try:
                outputs.extend(
                    clients.client.run_many(
                        [("assistant", "bench")] * n,
                        max_workers=n,
                        resumable=True,
                        on_result=lambda r: each_done.append(monotonic_ns()),
                    )
                )
            except Exception as exc:
                outputs.append(exc)
            done_at.append(monotonic_ns())

        driver = threading.Thread(target=drive, name="run_many", daemon=True)
        t_open = time.perf_counter()
        driver.start()
    else:
        threads, go = start_threads(n, lambda i: clients.stream(tallies[i]), "stream")
        res["baseline"] = idle_window(0.5)
        for t in tallies:
            t.target = HEAD
        t_open = time.perf_counter()
        go.set()
        wait_tallies(tallies, HEAD, 120, "open")
    ctl.wait("every stream open", lambda st: st["live"] >= n, 120)
    res["open_s"] = time.perf_counter() - t_open

    time.sleep(0.5)  # let the opening settle (pool bookkeeping, the last heads)
    res["idle_open"] = idle_window(args.idle)
    res["rss_per_stream_kib"] = (res["idle_open"]["rss_kib"] - res["baseline"]["rss_kib"]) / n

    if run_many:
        s0 = ctl("stats", "GET")
        t0 = monotonic_ns()
        b = ctl("burst", events=per_stream)
        ctl("finish")
        driver.join(600)
        if not done_at:
            raise RuntimeError("run_many did not return")
        s1 = ctl("stats", "GET")
        events = n * (per_stream + TAIL)
        res["burst"] = _burst_figures(events, t0, done_at[0], b, s0, s1)
        ends = [(t - t0) / 1e6 for t in each_done]
        res["burst"]["run_done_ms"] = {"first": min(ends), "p50": pct(ends, 0.5), "last": max(ends)}
        want = joined_content(per_stream)
        bad = [o for o in outputs if isinstance(o, Exception) or not o.ok or o.output.content != want]
        res["exact_streams"] = len(outputs) - len(bad)
        if bad:
            first = bad[0]
            res["error"] = f"{len(bad)} of {n} runs not exact: {first if isinstance(first, Exception) else first.error}"
        res["delay"] = None
        clients.close()
        return res

    # Burst: E events to every stream at once.
    for t in tallies:
        t.target = HEAD + per_stream
    s0 = ctl("stats", "GET")
    c0 = time.process_time()
    t0 = monotonic_ns()
    b = ctl("burst", events=per_stream)
    wait_tallies(tallies, HEAD + per_stream, 300, "burst")
    cpu = time.process_time() - c0
    s1 = ctl("stats", "GET")
    res["burst"] = _burst_figures(n * per_stream, t0, max(t.done_ns for t in tallies), b, s0, s1)
    # CPU per event, against wall per event: what grows with N, work or waiting?
    res["burst"]["client_cpu_s"] = cpu
    res["burst"]["eps_cpu"] = n * per_stream / cpu if cpu > 0 else 0.0

    time.sleep(0.5)
    res["idle_after"] = idle_window(args.idle, trim=True)
    res["rss_per_stream_after_kib"] = (res["idle_after"]["rss_kib"] - res["baseline"]["rss_kib"]) / n
    if "rss_trimmed_kib" in res["idle_after"]:
        trimmed = res["idle_after"]["rss_trimmed_kib"] - res["baseline"]["rss_kib"]
        res["rss_per_stream_after_trim_kib"] = trimmed / n

    # Paced events: R per second per stream, stamped at the server's write.
    paced = max(1, round(args.pace_rate * args.pace_seconds))
    for t in tallies:
        t.target = HEAD + per_stream + paced
        t.delays = []
    c0, w0 = time.process_time(), time.perf_counter()
    pauses = GcPauses()
    p = ctl("pace", rate=args.pace_rate, seconds=args.pace_seconds)
    wait_tallies(tallies, HEAD + per_stream + paced, 120, "paced events")
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    gc_pauses = pauses.summary()
    delays = [d / 1e6 for t in tallies for d in t.delays]
    res["delay"] = {
        "rate": args.pace_rate,
        "seconds": args.pace_seconds,
        "events": len(delays),
        "p50_ms": pct(delays, 0.50),
        "p90_ms": pct(delays, 0.90),
        "p99_ms": pct(delays, 0.99),
        "max_ms": max(delays) if delays else None,
        "client_cpu_share": cpu / wall if wall else 0.0,
        "gc_pauses": gc_pauses,
        "server": p,
    }

    finish_and_check(ctl, threads, tallies, HEAD + per_stream + paced + TAIL, res)
    clients.close()
    return res


def finish_and_check(
    ctl: Control, threads: List[threading.Thread], tallies: List[Tally], total: int, res: Dict[str, Any]
) -> None:
    """End every run and check every stream exact: ``total`` events, indices 0..total-1 in order."""
    ctl("finish")
    for th in threads:
        th.join(120)
    n = len(tallies)
    res["exact_streams"] = sum(1 for t in tallies if t.ended and t.count == total and not t.order_errors)
    failed = [t.error for t in tallies if t.error]
    if res["exact_streams"] != n:
        res["error"] = f"{n - res['exact_streams']} of {n} streams not exact" + (f": {failed[0]}" if failed else "")


def _burst_figures(
    events: int, t0: int, t_end: int, b: Dict[str, Any], s0: Dict[str, Any], s1: Dict[str, Any]
) -> Dict[str, Any]:
    seconds = (t_end - t0) / 1e9
    return {
        "events": events,
        "seconds": seconds,
        "eps": events / seconds if seconds > 0 else 0.0,
        # The server's CPU over the burst: well under 100% shows it was not the limit.
        "server_cpu_share": (s1["cpu_s"] - s0["cpu_s"]) / seconds if seconds > 0 else 0.0,
        "server_write_s": b.get("cpu_s"),
    }


# -- herd ---------------------------------------------------------------------------------------
def mode_herd(args: argparse.Namespace) -> Dict[str, Any]:
    ctl, clients = _prepare(args, count=True)
    n = args.n
    res: Dict[str, Any] = {"n": n, "refuse_s": args.refuse, "missed": args.missed, "stale_first": args.stale_first}
    tallies = [Tally() for _ in range(n)]
    worker = clients.resuming_stream if args.client == "requests-sseclient" else clients.stream
    threads, go = start_threads(n, lambda i: worker(tallies[i]), "stream")
    t_open = time.perf_counter()
    go.set()
    wait_tallies(tallies, HEAD, 120, "open")
    ctl.wait("every stream open", lambda st: st["live"] >= n, 120)
    res["open_s"] = time.perf_counter() - t_open
    ctl("burst", events=args.burst)
    wait_tallies(tallies, HEAD + args.burst, 120, "burst")
    time.sleep(0.3)
    for t in tallies:
        t.record = True
    before = [t.last for t in tallies]
    c0 = time.process_time()
    cut = ctl("cut", refuse=args.refuse, missed=args.missed, stale_first=int(args.stale_first), mode=args.cut_mode)
    t_cut = cut["t_cut_ns"]
    back = HEAD + args.burst + args.missed
    wait_tallies(tallies, back, args.recover_timeout, "recovery")
    t_back = max(next(ts for i, ts in t.times if i > b) for t, b in zip(tallies, before))
    res["outage_cpu_s"] = time.process_time() - c0
    res["recovered_s"] = (t_back - t_cut) / 1e9
    server_log = ctl("log", "GET", since=t_cut)
    finish_and_check(ctl, threads, tallies, back + TAIL, res)

    client_log = clients.counting.log if clients.counting is not None else clients.log
    outage = [e for e in client_log if t_cut <= e[0] <= t_back]
    seen = [e for e in server_log if e[0] <= t_back]
    res["client_requests"] = _by_kind(outage, n)
    res["server_requests"] = _by_kind([tuple(e) for e in seen], n)
    res["hedged_requests"] = sum(1 for e in seen if e[4])
    first_attempt: Dict[str, int] = {}
    for e in outage:
        if e[1] == "resume" and e[2] and e[2] not in first_attempt:
            first_attempt[e[2]] = e[0]
    spread = [(t - t_cut) / 1e6 for t in first_attempt.values()]
    back_ms = [(next(ts for i, ts in t.times if i > b) - t_cut) / 1e6 for t, b in zip(tallies, before)]
    res["first_resume_ms"] = _quantiles(spread)
    res["recovery_ms"] = _quantiles(back_ms)
    # The storm: when the resumes that reached the server were sent (the client's clock, taken
    # just before each request; the server's own arrival times are batched by its event loop).
    resumes_client = [e[0] for e in outage if e[1] == "resume"]
    reached = [e[0] for e in outage if e[1] == "resume" and e[3] not in ("refused", "error")]
    resumes_server = [e[0] for e in seen if e[1] == "resume"]
    res["peak_client_resumes_100ms"] = peak_in_window(resumes_client, 0.1)
    res["peak_client_resumes_10ms"] = peak_in_window(resumes_client, 0.01)
    res["peak_reached_resumes_100ms"] = peak_in_window(reached, 0.1)
    res["peak_reached_resumes_10ms"] = peak_in_window(reached, 0.01)
    res["peak_server_resumes_100ms"] = peak_in_window(resumes_server, 0.1)
    res["peak_server_resumes_10ms"] = peak_in_window(resumes_server, 0.01)
    res["server_resume_times_ms"] = sorted(round((t - t_cut) / 1e6, 2) for t in resumes_server)
    if args.client != "requests-sseclient":
        policy = clients.client.reconnect
        res["policy"] = {
            "initial_backoff": policy.initial_backoff,
            "max_backoff": policy.max_backoff,
            "max_attempts": policy.max_attempts,
            "hedge": policy.hedge,
            "max_resume_rate": getattr(policy, "max_resume_rate", None),
            "resume_burst": getattr(policy, "resume_burst", None),
        }
    clients.close()
    return res


def _by_kind(entries: Sequence[Sequence[Any]], n: int) -> Dict[str, Any]:
    """Requests per stream over the outage: by kind and answer, mean and max per stream."""
    kinds: Dict[str, Dict[str, int]] = {}
    per: Dict[str, int] = {}
    for e in entries:
        key = f"{e[1]}:{e[3]}"
        kinds.setdefault(key, {})
        kinds[key][e[2]] = kinds[key].get(e[2], 0) + 1
        per[e[2]] = per.get(e[2], 0) + 1
    return {
        "total": len(entries),
        "per_stream_mean": len(entries) / n if n else 0.0,
        "per_stream_max": max(per.values(), default=0),
        "by_kind": {k: {"total": sum(v.values()), "per_stream": sum(v.values()) / n} for k, v in sorted(kinds.items())},
    }


def _quantiles(values: Sequence[float]) -> Dict[str, Optional[float]]:
    return {
        "count": len(values),
        "p50": pct(values, 0.5),
        "p90": pct(values, 0.9),
        "max": max(values) if values else None,
    }


# -- what the reconnect policy implies ------------------------------------------------------------
def policy_storm(
    n: int,
    refuse: float,
    stale_first: bool,
    initial: float,
    cap: float,
    attempts: int,
    hedge: int,
    jitter: bool = True,
    trials: int = 200,
    seed: int = 27,
) -> Dict[str, Any]:
    """Monte Carlo of N streams cut at once under a reconnect schedule: resume k waits
    U(0, min(cap, initial * 2**(k-1))) after the previous failure (tenacity's
    ``wait_random_exponential``, full jitter; ``jitter=False``: the ceiling itself), attempts before
    ``refuse`` seconds are refused, the first one after it reaches the server (with
    ``stale_first``: answered stale, and the next attempt is ``hedge`` requests). Returns the peak
    of server-seen resumes in any 100 ms and 10 ms window (median and 99th percentile over the
    trials) and the resumes per stream."""
    rng = random.Random(seed)
    peaks100: List[int] = []
    peaks10: List[int] = []
    per_stream: List[float] = []
    for _ in range(trials if jitter else 1):
        arrivals: List[int] = []
        made = 0
        for _s in range(n):
            t = 0.0
            stale = stale_first
            for k in range(1, attempts + 1):
                ceiling = min(cap, initial * 2 ** (k - 1))
                t += rng.uniform(0, ceiling) if jitter else ceiling
                hedged = hedge if (k > 1 and not stale and stale_first and hedge > 1) else 1
                made += hedged
                if t < refuse:
                    continue
                arrivals += [int((t + 0.002 * h) * 1e9) for h in range(hedged)]
                if stale:
                    stale = False
                    continue
                break
        peaks100.append(peak_in_window(arrivals, 0.1))
        peaks10.append(peak_in_window(arrivals, 0.01))
        per_stream.append(made / n)
    return {
        "peak_100ms_median": statistics.median(peaks100),
        "peak_100ms_p99": pct(peaks100, 0.99),
        "peak_10ms_median": statistics.median(peaks10),
        "peak_10ms_p99": pct(peaks10, 0.99),
        "requests_per_stream": statistics.mean(per_stream),
    }


# -- main -----------------------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", choices=("scale", "herd"), default="scale")
    ap.add_argument("--client", choices=CLIENTS, default="agentos_sync")
    ap.add_argument("--n", type=int, default=100, help="concurrent streams")
    ap.add_argument("--idle", type=float, default=5.0, help="scale: seconds of each quiet window")
    ap.add_argument("--burst-total", type=int, default=200_000, help="scale: burst events over all streams")
    ap.add_argument("--pace-rate", type=float, default=20.0, help="scale: paced events per second per stream")
    ap.add_argument("--pace-seconds", type=float, default=3.0)
    ap.add_argument("--burst", type=int, default=20, help="herd: events per stream before the cut")
    ap.add_argument("--missed", type=int, default=10, help="herd: events published while the clients are away")
    ap.add_argument("--refuse", type=float, default=0.0, help="herd: seconds the server refuses connections")
    ap.add_argument("--stale-first", action="store_true", help="herd: first resume of each run answered stale")
    ap.add_argument("--cut-mode", choices=("fin", "rst"), default="fin")
    ap.add_argument("--recover-timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    res: Dict[str, Any] = {"mode": args.mode, "client": args.client, "nofile": raise_nofile()}
    code = 0
    try:
        t0 = time.perf_counter()
        res.update(mode_scale(args) if args.mode == "scale" else mode_herd(args))
        res["elapsed_s"] = time.perf_counter() - t0
        dump_profiles()
    except Exception as exc:
        res["error"] = f"{type(exc).__name__}: {exc}"
        res["traceback"] = traceback.format_exc(limit=8)
    if "error" in res:
        code = 1
    res["peak_rss_kib"] = _maxrss()
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")
    sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)  # daemon threads may still hold sockets: no interpreter teardown to wait for


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main()
