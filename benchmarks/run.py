#!/usr/bin/env python
"""Benchmark agentos_sync against its peers on a loopback SSE server; assert the issue's targets.

    python benchmarks/run.py                 # full run (~3-5 min on 2 cores), exit 1 if a target fails
    python benchmarks/run.py --quick         # smoke run: small N, 2 rounds
    python benchmarks/run.py --only agentos_sync,json-limit --json out.json
    python benchmarks/run.py --readme        # also write the tables into benchmarks/README.md

Every measurement runs in a fresh child process (``python -m benchmarks.contenders.<name>``);
throughput rounds are interleaved (A B C D E, B C D E A, ...). Progress goes to stderr, the report
(markdown) to stdout. See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scale_sections  # noqa: E402
from benchmarks.contenders import CONTENDERS  # noqa: E402
from benchmarks.contenders._harness import set_scenario  # noqa: E402

PY = sys.executable
SUBJECT = "agentos_sync"
PEERS = ("handrolled", "httpx-sse", "typed-reader", "agno")
SECTIONS = (
    "throughput",
    "lengths",
    "bigframe",
    "memory",
    "import",
    "reconnect",
    "refuse",
    "threads",
    "agentos",
    "scale",
    "herd",
)
MIB = 1024 * 1024

# The targets, in one place.
T_VS_JSON = 1.0  # typed events/s >= the json-parse limit of the same run (issue 27, goal 3; was 0.9, 0.6)
T_VS_AGNO = 3.5  # ... and >= 3.5x agno's client
T_BIGFRAME_S = 0.050  # a 4 MiB RunCompleted frame delivered in < 50 ms
T_MEMORY_KIB = 5 * 1024  # peak RSS grows < 5 MiB from event 10,000 to the end of 1M events
T_IMPORT = 1.3  # import agentos_sync <= 1.3x import of its dependencies
T_GAP_SLACK_S = 0.020  # reconnect gap median <= first backoff + 20 ms
T_REFUSE_CPU = 0.05  # CPU share while the server refuses connections
T_THREADS = 0.8  # 32 streams on 32 threads: aggregate >= 0.8x one stream's events/s
T_FIXED_WARM_S = 0.002  # fixed cost of a stream in a warm process (intercept of time vs events)
T_FIXED_COLD_S = 0.005  # ... of the first stream of a fresh process, import and client excluded (issue 27; was 10 ms)
T_BIG_VS_TYPED = 1.2  # a 1 MB / 4 MiB final frame: <= 1.2x the plain typed reader's time
T_CLIENT_SHARE_S = 0.001  # real AgentOS: time to first event minus the bare stack's, median
T_CPU_VS_BARE = 1.1  # real AgentOS: client CPU per run <= 1.1x the bare stack's
LENGTHS = (200, 2_000, 20_000)
BIG_SIZES = (1_000_000, 4 * MIB)

IMPORT_SUBJECT = "import agentos_sync"
IMPORT_DEPS = "import requests, sseclient, tenacity; from pydantic import BaseModel"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- configuration ------------------------------------------------------------------------------
def make_config(args: argparse.Namespace) -> Dict[str, Any]:
    q = args.quick
    cfg: Dict[str, Any] = {
        "n": 20_000 if q else 100_000,
        "rounds": 2 if q else 5,
        "frame": 390,
        "chunk": args.chunk,
        "big": 4 * MIB,
        "lengths_procs": 2 if q else 4,
        "lengths_repeat": 5,
        "big_chunks": (0,) if q else (0, 65536),
        "stale": {"n": 3_000, "cut": 500, "cuts": 5} if q else {"n": 6_000, "cut": 500, "cuts": 11},
        "agentos_runs": 20 if q else 100,
        "big_procs": 1 if q else 3,
        "big_repeat": 3 if q else 5,
        "big_peer": not q,  # the hand-rolled stack on a 4 MiB frame: one cold stream, ~20 s
        "memory_n": 200_000 if q else 1_000_000,
        "import_samples": 5 if q else 15,
        "reconnect": {"n": 3_000, "cut": 500, "cuts": 5} if q else {"n": 10_000, "cut": 500, "cuts": 15},
        "reconnect_procs": 1 if q else 2,
        "refuse": {"n": 2_000, "cut": 1_000, "cuts": 1, "refuse": 2.0},
        "refuse_procs": 1 if q else 2,
        "threads": 32,
        "threads_n": 2_000 if q else 10_000,
        "threads_repeat": 1 if q else 2,
        "timeout": 300,
        **scale_sections.config(q),
    }
    if args.n:
        cfg["n"] = args.n
    if args.rounds:
        cfg["rounds"] = args.rounds
    return cfg


def scenario(cfg: Dict[str, Any], **kw: Any) -> str:
    base = {"n": cfg["n"], "frame": cfg["frame"], "chunk": cfg["chunk"]}
    base.update(kw)
    return ",".join(f"{k}={v}" for k, v in base.items())


# -- processes ------------------------------------------------------------------------------------
class BenchServer:
    """A loopback benchmark server in its own process (``module``: sse_server or scale_server),
    gone with this process; ``url`` once it listens."""

    def __init__(self, module: str = "benchmarks.sse_server", args: Sequence[str] = ("--scenario", "n=10")) -> None:
        self.proc = subprocess.Popen(
            [PY, "-m", module, "--port", "0", "--parent-pid", str(os.getpid()), "--idle-exit", "900", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        m = re.match(r"LISTENING (\d+)", line)
        if not m:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"benchmark server did not start: {line!r} {err[-2000:]}")
        self.url = f"http://127.0.0.1:{m.group(1)}"
        self.current = ""

    def set(self, spec: str) -> None:
        if spec != self.current:
            set_scenario(self.url, spec)
            self.current = spec

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_child(cmd: Sequence[str], timeout: float) -> Dict[str, Any]:
    proc = subprocess.Popen(list(cmd), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": f"timeout after {timeout:.0f} s"}
    for line in reversed(out.splitlines()):
        if line.startswith("RESULT "):
            res: Dict[str, Any] = json.loads(line[7:])
            if "error" in res and err.strip():
                res.setdefault("stderr", err[-3000:])
            return res
    tail = [ln for ln in err.strip().splitlines() if ln.strip()]
    return {"error": f"exit {proc.returncode}: {tail[-1] if tail else 'no output'}", "stderr": err[-3000:]}


def run_contender(
    server: BenchServer, name: str, mode: str, spec: str, extra: Sequence[str] = (), timeout: float = 300
) -> Dict[str, Any]:
    module = CONTENDERS[name]
    if name != "json-limit":
        server.set(spec)
    cmd = [PY, "-m", module, "--url", server.url, "--mode", mode, *extra]
    if name == "json-limit":
        cmd += ["--scenario", spec]
    else:
        cmd += ["--n", re.search(r"\bn=(\d+)", spec).group(1)]  # type: ignore[union-attr]
    res = run_child(cmd, timeout)
    res.setdefault("contender", name)
    return res


def short_error(res: Dict[str, Any]) -> str:
    err = str(res.get("error", ""))
    return err if len(err) < 160 else err[:157] + "..."


# -- sections -------------------------------------------------------------------------------------
def section_throughput(server: BenchServer, cfg: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    spec = scenario(cfg)
    runs: Dict[str, List[Dict[str, Any]]] = {n: [] for n in names}
    for r in range(cfg["rounds"]):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            res = run_contender(server, name, "throughput", spec, timeout=cfg["timeout"])
            runs[name].append(res)
            if "error" in res:
                log(f"  round {r + 1} {name}: ERROR {short_error(res)}")
            else:
                log(f"  round {r + 1} {name}: {res['eps']:,.0f} events/s")
            if name == "agno" and str(res.get("error", "")).startswith("RuntimeError: not installed"):
                names = [n for n in names if n != "agno"]  # don't retry a missing package
    out: Dict[str, Any] = {}
    for name, rs in runs.items():
        ok = [x for x in rs if "error" not in x]
        row: Dict[str, Any] = {"runs": rs}
        if ok:
            eps = [x["eps"] for x in ok]
            row.update(
                median=statistics.median(eps),
                min=min(eps),
                max=max(eps),
                ok_runs=len(ok),
                peak_rss_kib=statistics.median(x["maxrss_kib"] for x in ok),
                eps_cpu=statistics.median(x.get("eps_cpu", 0.0) for x in ok),
                import_s=statistics.median(x.get("import_s", 0.0) for x in ok),
            )
        if len(ok) < len(rs):
            row["error"] = short_error(next(x for x in rs if "error" in x))
        out[name] = row
    return out


def _fit(points: List[Tuple[int, float]]) -> Tuple[float, float]:
    """Least-squares line through (events, seconds): (fixed seconds, seconds per event)."""
    xs, ys = [float(p[0]) for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - slope * mx, slope


def section_lengths(server: BenchServer, cfg: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    """Streams of realistic lengths: the first of a fresh process (cold) and warm ones, this
    client and json-limit alternating process by process; then the fixed cost per stream."""
    who = [n for n in ("json-limit", SUBJECT) if n in names]
    out: Dict[str, Any] = {"by_n": {}}
    for n in LENGTHS:
        spec = scenario(cfg, n=n)
        rows: Dict[str, List[Dict[str, Any]]] = {w: [] for w in who}
        for p in range(cfg["lengths_procs"]):
            for name in who if p % 2 == 0 else who[::-1]:
                res = run_contender(server, name, "lengths", spec, ["--repeat", str(cfg["lengths_repeat"])])
                rows[name].append(res)
        summary: Dict[str, Any] = {}
        for name, rs in rows.items():
            ok = [r for r in rs if "error" not in r]
            if not ok:
                summary[name] = {"error": short_error(rs[0])}
                continue
            events = ok[0]["events"]
            cold = [r["cold_s"] for r in ok]
            warm = [w for r in ok for w in r["warm_s"]]
            summary[name] = {
                "events": events,
                "cold_s": statistics.median(cold),
                "cold_spread_s": [min(cold), max(cold)],
                "warm_s": statistics.median(warm),
                "warm_spread_s": [min(warm), max(warm)],
                "cold_cpu_s": statistics.median(r["cold_cpu_s"] for r in ok),
                "warm_cpu_s": statistics.median(w for r in ok for w in r["warm_cpu_s"]),
            }
        out["by_n"][n] = summary
        subj = summary.get(SUBJECT, {})
        if "warm_s" in subj:
            log(
                f"  n={n:,}: {SUBJECT} cold {fmt_ms(subj['cold_s'])}, warm {fmt_ms(subj['warm_s'])}"
                + (
                    f"; json-limit cold {fmt_ms(summary['json-limit']['cold_s'])}, "
                    f"warm {fmt_ms(summary['json-limit']['warm_s'])}"
                    if "warm_s" in summary.get("json-limit", {})
                    else ""
                )
            )
        else:
            log(f"  n={n:,}: ERROR {subj.get('error')}")
    pts = [(s[SUBJECT]["events"], s[SUBJECT]["warm_s"]) for s in out["by_n"].values() if "warm_s" in s.get(SUBJECT, {})]
    if len(pts) >= 2:
        fixed, per_event = _fit(pts)
        first = out["by_n"][LENGTHS[0]][SUBJECT]
        out.update(
            fixed_warm_s=fixed,
            per_event_s=per_event,
            # The first stream's excess over a warm one of the same length: what a fresh process
            # pays once (validators built, pools made), beside the warm fixed cost.
            fixed_cold_s=first["cold_s"] - per_event * first["events"],
        )
        log(
            f"  fixed cost per stream: warm {fmt_ms(fixed)}, cold {fmt_ms(out['fixed_cold_s'])} "
            f"({per_event * 1e6:.2f} us/event)"
        )
    if SUBJECT in who:
        out["plugin_scan"] = _plugin_scan()
    return out


_PLUGIN_SCAN = (
    "import time, importlib.metadata as md; import agentos_sync; "
    "from pydantic.plugin._loader import get_plugins; "
    "t = time.perf_counter(); list(get_plugins()); s = time.perf_counter() - t; "
    "print(s, len(list(md.distributions())))"
)


def _plugin_scan(procs: int = 3) -> Dict[str, Any]:
    """What pydantic's one-time plugin discovery costs a fresh process here (the first model build
    of a process scans every installed distribution's entry points): part of the cold fixed cost
    that is pydantic's, not the client's, and that grows with the environment."""
    times: List[float] = []
    dists = 0
    for _ in range(procs):
        r = subprocess.run([PY, "-c", _PLUGIN_SCAN], cwd=ROOT, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
        seconds, count = r.stdout.split()
        times.append(float(seconds))
        dists = int(count)
    res = {"median_s": statistics.median(times), "distributions": dists}
    log(f"  pydantic's plugin discovery in a fresh process: {fmt_ms(res['median_s'])} ({dists} distributions)")
    return res


def section_bigframe(server: BenchServer, cfg: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    # This client against the plain typed reader, at 1 MB and 4 MiB, with the frame in one HTTP
    # chunk (uvicorn's way) and in 64 KiB chunks (a proxy's), processes alternating.
    pair = [n for n in (SUBJECT, "typed-reader") if n in names]
    cases: Dict[str, Any] = {}
    for size in BIG_SIZES:
        for chunk in cfg["big_chunks"]:
            spec = scenario(cfg, n=3, big=size, chunk=chunk)
            got: Dict[str, List[float]] = {n: [] for n in pair}
            errs: Dict[str, str] = {}
            for p in range(cfg["big_procs"]):
                for name in pair if p % 2 == 0 else pair[::-1]:
                    res = run_contender(server, name, "bigframe", spec, ["--repeat", str(cfg["big_repeat"])])
                    if "error" in res:
                        errs[name] = short_error(res)
                    got[name] += res.get("latencies_s", [])
            key = f"{size}/{chunk}"
            cases[key] = {
                "size": size,
                "chunk": chunk,
                **{
                    n: {"latencies_s": v, "median_s": statistics.median(v) if v else None, "error": errs.get(n)}
                    for n, v in got.items()
                },
            }
            meds = {n: cases[key][n]["median_s"] for n in pair}
            log(
                f"  {size:,} B frame, chunk {chunk or 'per frame'}: "
                + ", ".join(f"{n} {fmt_ms(m)}" for n, m in meds.items())
            )
    out["cases"] = cases
    if SUBJECT in names:
        lats = cases.get(f"{4 * MIB}/0", {}).get(SUBJECT, {}).get("latencies_s", [])
        out[SUBJECT] = {
            "latencies_s": lats,
            "median_s": statistics.median(lats) if lats else None,
            "error": cases.get(f"{4 * MIB}/0", {}).get(SUBJECT, {}).get("error"),
        }
    spec = scenario(cfg, n=3, big=cfg["big"])
    for peer in ("httpx-sse", "handrolled"):
        if peer not in names or (peer == "handrolled" and not cfg["big_peer"]):
            continue
        repeat = "0" if peer == "handrolled" else str(cfg["big_repeat"])  # handrolled: one cold stream
        res = run_contender(server, peer, "bigframe", spec, ["--repeat", repeat], timeout=120)
        out[peer] = {
            "median_s": res.get("median_s"),
            "latencies_s": res.get("latencies_s", []),
            "error": short_error(res) if "error" in res else None,
        }
        log(f"  {peer}: {fmt_ms(out[peer]['median_s'])} {out[peer]['error'] or ''}")
    return out


def section_memory(server: BenchServer, cfg: Dict[str, Any]) -> Dict[str, Any]:
    # final=short: RunCompleted carries 1 KiB instead of the joined ~5 MB answer, which would
    # measure the size of one frame rather than whether streaming accumulates memory.
    spec = scenario(cfg, n=cfg["memory_n"], final="short")
    res = run_contender(server, SUBJECT, "memory", spec, timeout=cfg["timeout"])
    if "error" in res:
        log(f"  {SUBJECT}: ERROR {short_error(res)}")
    else:
        log(
            f"  {SUBJECT}: +{res['growth_kib'] / 1024:.2f} MiB over {res['events']:,} events "
            f"({res['eps']:,.0f} events/s)"
        )
    return res


def _import_cmd(stmt: str) -> List[str]:
    return [PY, "-c", f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"]


def _timed_import(stmt: str) -> float:
    r = subprocess.run(_import_cmd(stmt), cwd=ROOT, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        tail = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
        raise RuntimeError(tail[-1] if tail else f"exit {r.returncode}")
    return float(r.stdout.strip().splitlines()[-1])


def _importtime(stmt: str) -> Dict[str, int]:
    r = subprocess.run([PY, "-X", "importtime", "-c", stmt], cwd=ROOT, capture_output=True, text=True, timeout=60)
    mods: Dict[str, int] = {}
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(.+)$", line)
        if m:
            mods[m.group(3).strip()] = int(m.group(1))
    return mods


def section_import(cfg: Dict[str, Any]) -> Dict[str, Any]:
    try:
        _timed_import(IMPORT_SUBJECT)  # a warm-up (the disk cache), not counted
        _timed_import(IMPORT_DEPS)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        log(f"  ERROR {exc}")
        return {"error": str(exc)}
    subj: List[float] = []
    deps: List[float] = []
    for i in range(cfg["import_samples"]):
        pair = [(subj, IMPORT_SUBJECT), (deps, IMPORT_DEPS)]
        for bucket, stmt in pair if i % 2 == 0 else pair[::-1]:
            bucket.append(_timed_import(stmt))
    own = _importtime(IMPORT_SUBJECT)
    base = _importtime(IMPORT_DEPS)
    extra = sorted(((us, m) for m, us in own.items() if m not in base), reverse=True)
    res: Dict[str, Any] = {
        "subject_s": subj,
        "deps_s": deps,
        "subject_median_s": statistics.median(subj),
        "deps_median_s": statistics.median(deps),
        "extra_modules": [{"module": m, "self_us": us} for us, m in extra[:12]],
        "extra_modules_total_us": sum(us for us, _ in extra),
    }
    res["ratio"] = res["subject_median_s"] / res["deps_median_s"]
    log(
        f"  import agentos_sync {fmt_ms(res['subject_median_s'])} vs deps {fmt_ms(res['deps_median_s'])}"
        f" = {res['ratio']:.2f}x"
    )
    return res


def _gaps(server: BenchServer, cfg: Dict[str, Any], rc: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    spec = scenario(cfg, n=rc["n"], cut=rc["cut"], cuts=rc["cuts"], **extra)
    gaps: List[float] = []
    info: Dict[str, Any] = {}
    errors = []
    for _ in range(cfg["reconnect_procs"]):
        res = run_contender(server, SUBJECT, "reconnect", spec, ["--cut", str(rc["cut"]), "--cuts", str(rc["cuts"])])
        if "error" in res:
            errors.append(short_error(res))
        gaps += res.get("gaps_s", [])
        info = res.get("info", info)
    out: Dict[str, Any] = {
        "gaps_s": gaps,
        "initial_backoff": info.get("initial_backoff"),
        "error": errors[0] if errors else None,
    }
    if gaps:
        out.update(median_s=statistics.median(gaps), min_s=min(gaps), max_s=max(gaps))
        log(
            f"  gap median {fmt_ms(out['median_s'])} (min {fmt_ms(min(gaps))}, max {fmt_ms(max(gaps))}, "
            f"{len(gaps)} cuts) {out['error'] or ''}"
        )
    else:
        log(f"  ERROR {out['error']}")
    return out


def section_reconnect(server: BenchServer, cfg: Dict[str, Any]) -> Dict[str, Any]:
    out = _gaps(server, cfg, cfg["reconnect"])
    # Every resume on the pooled connection answered stale (a worker without the run), so each
    # cut is healed by the hedged resumes on fresh connections, after a second backoff.
    log("  with stale answers, healed on fresh connections:")
    out["fresh"] = _gaps(server, cfg, cfg["stale"], stale=1)
    return out


def section_refuse(server: BenchServer, cfg: Dict[str, Any]) -> Dict[str, Any]:
    rf = cfg["refuse"]
    spec = scenario(cfg, n=rf["n"], cut=rf["cut"], cuts=rf["cuts"], refuse=rf["refuse"])
    shares: List[float] = []
    walls: List[float] = []
    errors = []
    for _ in range(cfg["refuse_procs"]):
        res = run_contender(server, SUBJECT, "refuse", spec, ["--cut", str(rf["cut"]), "--cuts", str(rf["cuts"])])
        if "error" in res:
            errors.append(short_error(res))
        else:
            shares.append(res["cpu_share"])
            walls += res["wall_s"]
    out: Dict[str, Any] = {
        "cpu_shares": shares,
        "outage_s": walls,
        "refuse_s": rf["refuse"],
        "error": errors[0] if errors else None,
    }
    if shares:
        out["max_share"] = max(shares)
        log(
            f"  CPU {max(shares) * 100:.2f}% of {statistics.median(walls):.2f} s outage "
            f"(server refused for {rf['refuse']} s) {out['error'] or ''}"
        )
    else:
        log(f"  ERROR {out['error']}")
    return out


def section_threads(server: BenchServer, cfg: Dict[str, Any]) -> Dict[str, Any]:
    spec = scenario(cfg, n=cfg["threads_n"])
    res = run_contender(
        server,
        SUBJECT,
        "threads",
        spec,
        ["--threads", str(cfg["threads"]), "--repeat", str(cfg["threads_repeat"])],
        timeout=cfg["timeout"],
    )
    if "ratio" in res:
        log(
            f"  single {statistics.median(res['single_eps']):,.0f} events/s, {cfg['threads']} threads "
            f"{statistics.median(res['aggregate_eps']):,.0f} events/s = {res['ratio']:.2f}x "
            f"{short_error(res) if 'error' in res else ''}"
        )
    else:
        log(f"  ERROR {short_error(res)}")
    return res


def section_agentos(cfg: Dict[str, Any]) -> Dict[str, Any]:
    cmd = [PY, "-m", "benchmarks.agentos_latency", "--runs", str(cfg["agentos_runs"])]
    res = run_child(cmd, timeout=cfg["timeout"])
    if "error" in res:
        log(f"  ERROR {short_error(res)}")
        return res
    lo, hi = res["client_share_ci_s"]
    log(
        f"  first event: agentos_sync {fmt_ms(res['ttfe_s']['agentos_sync'])}, bare {fmt_ms(res['ttfe_s']['bare'])}; "
        f"client share {res['client_share_s'] * 1000:.2f} ms (95% {lo * 1000:.2f} to {hi * 1000:.2f}); "
        f"CPU/run {res['cpu_s']['agentos_sync'] * 1000:.2f} vs {res['cpu_s']['bare'] * 1000:.2f} ms "
        f"= {res['cpu_ratio']:.2f}x"
    )
    return res


# -- report ---------------------------------------------------------------------------------------
def fmt_ms(s: Optional[float]) -> str:
    return "n/a" if s is None else f"{s * 1000:.1f} ms"


def machine_info() -> Dict[str, Any]:
    from importlib import metadata

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"MemTotal:\s*(\d+) kB", f.read())
            mem = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB" if m else ""
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    versions: Dict[str, Optional[str]] = {}
    for pkg in (
        "requests",
        "urllib3",
        "sseclient-py",
        "tenacity",
        "pydantic",
        "pydantic-core",
        "httpx",
        "httpx-sse",
        "agno",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "load_at_start": load,
        "cpu": cpu,
        "cores": usable,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def _cpu_ratio(tp: Dict[str, Any], other: str) -> str:
    a, b = tp[SUBJECT].get("eps_cpu"), tp.get(other, {}).get("eps_cpu")
    return f"; per CPU-s {a / b:.2f}x" if a and b else ""


def noise_warning(tp: Dict[str, Any]) -> Optional[str]:
    """Rounds of a CPU-bound contender that disagree mean other load was competing for the CPU."""
    spreads = {
        n: (r["max"] - r["min"]) / r["median"]
        for n, r in tp.items()
        if n in ("json-limit", SUBJECT) and r.get("median")
    }
    noisy = {n: v for n, v in spreads.items() if v > 0.25}
    if not noisy:
        return None
    worst = ", ".join(f"{n} {v * 100:.0f}%" for n, v in noisy.items())
    return (
        f"Warning: rounds disagree by more than 25% ({worst} between min and max): something else was "
        "using the CPU, so the ratios are unreliable; rerun on a quiet machine or with more --rounds."
    )


def evaluate(results: Dict[str, Any]) -> List[Dict[str, str]]:
    rows: List[Dict[str, str]] = []

    def add(target: str, status: str, measured: str, threshold: str) -> None:
        rows.append({"target": target, "status": status, "measured": measured, "threshold": threshold})

    for key in ("throughput", "bigframe"):
        sec = results.get(key)
        if isinstance(sec, dict) and set(sec) == {"error"}:  # the section itself crashed
            add(f"{key} section", "FAIL", f"crashed: {sec['error']}", "runs")
            results.pop(key)

    tp = results.get("throughput")
    if tp is not None and SUBJECT in tp:
        subj = tp[SUBJECT].get("median")
        if subj is None:
            add(
                "typed events/s vs json-parse limit",
                "FAIL",
                f"agentos_sync failed: {tp[SUBJECT].get('error')}",
                f">= {T_VS_JSON}x",
            )
        else:
            lim = tp.get("json-limit", {}).get("median")
            if lim:
                r = subj / lim
                add(
                    "typed events/s vs json-parse limit",
                    "PASS" if r >= T_VS_JSON else "FAIL",
                    f"{r:.2f}x ({subj:,.0f} vs {lim:,.0f}){_cpu_ratio(tp, 'json-limit')}",
                    f">= {T_VS_JSON}x",
                )
            else:
                add("typed events/s vs json-parse limit", "SKIP", "json-limit not measured", f">= {T_VS_JSON}x")
            peers = {p: tp[p]["median"] for p in PEERS if p in tp and tp[p].get("median")}
            if peers:
                best = max(peers, key=lambda p: peers[p])
                add(
                    "ahead of every peer",
                    "PASS" if subj > peers[best] else "FAIL",
                    f"{subj / peers[best]:.2f}x the fastest peer ({best} {peers[best]:,.0f})",
                    "> 1.00x",
                )
            agno = peers.get("agno")
            if agno:
                r = subj / agno
                add(
                    "typed events/s vs agno's AgentOSClient",
                    "PASS" if r >= T_VS_AGNO else "FAIL",
                    f"{r:.2f}x ({subj:,.0f} vs {agno:,.0f}){_cpu_ratio(tp, 'agno')}",
                    f">= {T_VS_AGNO}x",
                )
            elif "agno" in tp:
                add(
                    "typed events/s vs agno's AgentOSClient",
                    "SKIP",
                    f"agno: {tp['agno'].get('error')}",
                    f">= {T_VS_AGNO}x",
                )
    bf = results.get("bigframe", {}).get(SUBJECT)
    if bf is not None:
        med = bf.get("median_s")
        if med is None or bf.get("error"):
            add("4 MiB RunCompleted frame delivered", "FAIL", f"error: {bf.get('error')}", "< 50 ms")
        else:
            add(
                "4 MiB RunCompleted frame delivered",
                "PASS" if med < T_BIGFRAME_S else "FAIL",
                f"{fmt_ms(med)} median (max {fmt_ms(max(bf['latencies_s']))})",
                "< 50 ms",
            )
    ln = results.get("lengths")
    if ln is not None:
        if "fixed_warm_s" not in ln:
            add(
                "fixed cost per stream",
                "FAIL",
                f"error: {short_error(ln) or 'not measured'}",
                "< 2 ms warm, < 10 ms cold",
            )
        else:
            add(
                "fixed cost per stream, warm process",
                "PASS" if ln["fixed_warm_s"] < T_FIXED_WARM_S else "FAIL",
                f"{fmt_ms(ln['fixed_warm_s'])} (fit of {', '.join(f'{n:,}' for n in LENGTHS)} events; "
                f"{ln['per_event_s'] * 1e6:.2f} us/event)",
                f"< {fmt_ms(T_FIXED_WARM_S)}",
            )
            add(
                "fixed cost of a fresh process's first stream",
                "PASS" if ln["fixed_cold_s"] < T_FIXED_COLD_S else "FAIL",
                f"{fmt_ms(ln['fixed_cold_s'])} (first {LENGTHS[0]}-event stream "
                f"{fmt_ms(ln['by_n'][LENGTHS[0]][SUBJECT]['cold_s'])}; import and client construction excluded)",
                f"< {fmt_ms(T_FIXED_COLD_S)}",
            )
    for case in results.get("bigframe", {}).get("cases", {}).values():
        a, b = case.get(SUBJECT, {}).get("median_s"), case.get("typed-reader", {}).get("median_s")
        what = (
            f"{case['size']:,} B final frame ({'one chunk' if not case['chunk'] else '64 KiB chunks'}) vs typed reader"
        )
        if a is None or b is None:
            add(
                what,
                "FAIL",
                f"error: {case.get(SUBJECT, {}).get('error') or case.get('typed-reader', {}).get('error')}",
                "",
            )
        else:
            add(
                what,
                "PASS" if a / b <= T_BIG_VS_TYPED else "FAIL",
                f"{a / b:.2f}x ({fmt_ms(a)} vs {fmt_ms(b)})",
                f"<= {T_BIG_VS_TYPED}x",
            )
    ag = results.get("agentos")
    if ag is not None:
        if "error" in ag:
            add("real AgentOS: latency and CPU per run", "FAIL", f"error: {short_error(ag)}", "runs")
        else:
            lo, hi = ag["client_share_ci_s"]
            add(
                "real AgentOS: client's share of time to first event",
                "PASS" if ag["client_share_s"] <= T_CLIENT_SHARE_S else "FAIL",
                f"{ag['client_share_s'] * 1000:.2f} ms median of {ag['runs']} paired runs (95%: {lo * 1000:.2f} to "
                f"{hi * 1000:.2f} ms); first event {fmt_ms(ag['ttfe_s']['agentos_sync'])} vs bare "
                f"{fmt_ms(ag['ttfe_s']['bare'])}, of which server {fmt_ms(ag['server_share_s'])}",
                f"<= {fmt_ms(T_CLIENT_SHARE_S)}",
            )
            add(
                "real AgentOS: client CPU per run vs bare stack",
                "PASS" if ag["cpu_ratio"] <= T_CPU_VS_BARE else "FAIL",
                f"{ag['cpu_ratio']:.2f}x ({ag['cpu_s']['agentos_sync'] * 1000:.2f} vs "
                f"{ag['cpu_s']['bare'] * 1000:.2f} ms)",
                f"<= {T_CPU_VS_BARE}x",
            )
    mem = results.get("memory")
    if mem is not None:
        if "error" in mem:
            add("peak RSS growth, 10k -> 1M events", "FAIL", f"error: {short_error(mem)}", "< 5 MiB")
        else:
            g = mem["growth_kib"]
            cur = mem["samples"][-1]["rss_kib"] - mem["samples"][0]["rss_kib"]
            add(
                f"peak RSS growth, 10k -> {mem['events']:,} events",
                "PASS" if g < T_MEMORY_KIB else "FAIL",
                f"{g / 1024:.2f} MiB (current RSS {cur / 1024:+.2f} MiB)",
                "< 5 MiB",
            )
    imp = results.get("import")
    if imp is not None:
        if "error" in imp:
            add("cold import vs its dependencies", "FAIL", f"error: {imp['error']}", f"<= {T_IMPORT}x")
        else:
            add(
                "cold import vs its dependencies",
                "PASS" if imp["ratio"] <= T_IMPORT else "FAIL",
                f"{imp['ratio']:.2f}x ({fmt_ms(imp['subject_median_s'])} vs {fmt_ms(imp['deps_median_s'])})",
                f"<= {T_IMPORT}x",
            )
    rc = results.get("reconnect")
    if rc is not None:
        backoff = rc.get("initial_backoff")
        if backoff is None:
            backoff = 0.1
        limit = backoff + T_GAP_SLACK_S
        med = rc.get("median_s")
        if med is None or rc.get("error"):
            add("reconnect gap (cut -> next event), median", "FAIL", f"error: {rc.get('error')}", f"<= {fmt_ms(limit)}")
        else:
            add(
                "reconnect gap (cut -> next event), median",
                "PASS" if med <= limit else "FAIL",
                f"{fmt_ms(med)} (max {fmt_ms(rc['max_s'])}, {len(rc['gaps_s'])} cuts)",
                f"<= {fmt_ms(limit)} (first backoff {fmt_ms(backoff)} + 20 ms)",
            )
    fr = (rc or {}).get("fresh")
    if fr is not None:
        backoff = fr.get("initial_backoff") or 0.1
        limit = 3 * backoff + T_GAP_SLACK_S  # the two waits' ceilings (backoff, then 2x) + 20 ms
        med = fr.get("median_s")
        if med is None or fr.get("error"):
            add(
                "reconnect gap, resumed on fresh connections",
                "FAIL",
                f"error: {fr.get('error')}",
                f"<= {fmt_ms(limit)}",
            )
        else:
            add(
                "reconnect gap, resumed on fresh connections, median",
                "PASS" if med <= limit else "FAIL",
                f"{fmt_ms(med)} (max {fmt_ms(fr['max_s'])}, {len(fr['gaps_s'])} cuts, each a stale answer first)",
                f"<= {fmt_ms(limit)} (backoffs {fmt_ms(backoff)} + {fmt_ms(2 * backoff)} + 20 ms)",
            )
    rf = results.get("refuse")
    if rf is not None:
        if rf.get("error") or "max_share" not in rf:
            add("CPU while the server refuses connections", "FAIL", f"error: {rf.get('error')}", "< 5%")
        else:
            add(
                "CPU while the server refuses connections",
                "PASS" if rf["max_share"] < T_REFUSE_CPU else "FAIL",
                f"{rf['max_share'] * 100:.2f}% over {statistics.median(rf['outage_s']):.2f} s",
                "< 5%",
            )
    th = results.get("threads")
    if th is not None:
        if "ratio" not in th or th.get("error"):
            add("32 streams on 32 threads vs one stream", "FAIL", f"error: {short_error(th)}", f">= {T_THREADS}x")
        else:
            agg, one = statistics.median(th["aggregate_eps"]), statistics.median(th["single_eps"])
            add(
                "32 streams on 32 threads vs one stream",
                "PASS" if th["ratio"] >= T_THREADS else "FAIL",
                f"{th['ratio']:.2f}x ({agg:,.0f} vs {one:,.0f} events/s)",
                f">= {T_THREADS}x",
            )
    scale_sections.evaluate(results, add)
    return rows


def render_report(results: Dict[str, Any], cfg: Dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}; "
        f"{m['implementation']} {m['python']}; {m['date']}; load average at start {m['load_at_start']}",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        "",
    ]
    tp = results.get("throughput")
    if tp and "error" not in tp:
        lim = tp.get("json-limit", {}).get("median")
        lines += [
            f"Throughput: one background stream of {cfg['n']:,} RunContent events (~{cfg['frame']} B frames, "
            f"{'one HTTP chunk per frame' if cfg['chunk'] == 0 else str(cfg['chunk']) + ' B HTTP chunks'}), "
            f"fresh process each, {cfg['rounds']} interleaved rounds.",
            "",
            "| contender | events/s (median) | min | max | x json-limit | events/CPU-s | peak RSS | import |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, row in tp.items():
            if row.get("median") is None:
                err = str(row.get("error", "failed"))
                if "not installed" in err:
                    err = f"skipped ({err[err.index('not installed') :]})"
                lines.append(f"| {name} | {err} | | | | | | |")
                continue
            note = f" ({row['ok_runs']}/{len(row['runs'])} ok)" if row.get("error") else ""
            ratio = f"{row['median'] / lim:.2f}" if lim else "n/a"
            lines.append(
                f"| {name}{note} | {row['median']:,.0f} | {row['min']:,.0f} | {row['max']:,.0f} | {ratio} | "
                f"{row['eps_cpu']:,.0f} | {row['peak_rss_kib'] / 1024:.1f} MiB | {row['import_s'] * 1000:.0f} ms |"
            )
        lines.append("")
        warning = noise_warning(tp)
        if warning:
            lines += [warning, ""]
    ln = results.get("lengths")
    if ln and "by_n" in ln:
        lines += [
            "Realistic lengths: the first stream of a fresh process (cold: import and client construction outside "
            f"the clock) and warm ones, {cfg['lengths_procs']} processes x {cfg['lengths_repeat']} warm streams; "
            "medians, [min-max].",
            "",
            "| events | agentos_sync cold | warm | json-limit cold | warm | x json-limit cold | warm |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for n, row in ln["by_n"].items():
            a, j = row.get(SUBJECT, {}), row.get("json-limit", {})
            if "warm_s" not in a:
                lines.append(f"| {int(n) + 5:,} | error: {a.get('error')} | | | | | |")
                continue

            def cell(r: Dict[str, Any], k: str) -> str:
                lo, hi = r[k + "_spread_s"]
                return f"{r[k + '_s'] * 1000:.2f} ms [{lo * 1000:.2f}-{hi * 1000:.2f}]"

            ratio = (
                (f"{j['cold_s'] / a['cold_s']:.2f}", f"{j['warm_s'] / a['warm_s']:.2f}") if "warm_s" in j else ("", "")
            )
            lines.append(
                f"| {a['events']:,} | {cell(a, 'cold')} | {cell(a, 'warm')} | "
                + (f"{cell(j, 'cold')} | {cell(j, 'warm')} | " if "warm_s" in j else "| | ")
                + f"{ratio[0]} | {ratio[1]} |"
            )
        if "fixed_warm_s" in ln:
            lines += [
                "",
                f"Fixed cost per stream (least squares over the warm streams): {fmt_ms(ln['fixed_warm_s'])} warm, "
                f"{ln['per_event_s'] * 1e6:.2f} us per event; a fresh process's first stream: "
                f"{fmt_ms(ln['fixed_cold_s'])} more than its events"
                + (
                    f", of which pydantic's one-time plugin discovery {fmt_ms(scan['median_s'])} "
                    f"({scan['distributions']} installed distributions)."
                    if "median_s" in (scan := ln.get("plugin_scan") or {})
                    else "."
                ),
            ]
        lines.append("")
    extras = []
    bf = results.get("bigframe", {})
    for case in bf.get("cases", {}).values():
        cells = [
            f"{n} {fmt_ms(case[n]['median_s'])}" if case.get(n, {}).get("median_s") is not None else f"{n} error"
            for n in (SUBJECT, "typed-reader")
            if n in case
        ]
        extras.append(
            f"| {case['size']:,} B RunCompleted frame, "
            f"{'one HTTP chunk' if not case['chunk'] else '64 KiB HTTP chunks'} "
            f"(median of {len(case.get(SUBJECT, {}).get('latencies_s', []))}) | {', '.join(cells)} |"
        )
    for name, r in ((k, v) for k, v in bf.items() if k != "cases" and v is not None) if "error" not in bf else ():
        extras.append(
            f"| 4 MiB RunCompleted frame, {name} | "
            + (
                f"{fmt_ms(r['median_s'])} median of {len(r['latencies_s'])}"
                if r.get("median_s") is not None
                else f"error: {r.get('error')}"
            )
            + " |"
        )
    mem = results.get("memory")
    if mem and "samples" in mem:
        pts = ", ".join(
            f"{s['events'] // 1000}k: {s['maxrss_kib'] / 1024:.1f}/{s['rss_kib'] / 1024:.1f}" for s in mem["samples"]
        )
        extras.append(
            f"| peak/current RSS (MiB) while streaming {mem['events']:,} events, agentos_sync | "
            f"{pts} ({mem['eps']:,.0f} events/s) |"
        )
    ag = results.get("agentos")
    if ag and "ttfe_s" in ag:
        extras.append(
            f"| real AgentOS, {ag['runs']} interleaved runs each: first event / whole run / CPU per run | "
            f"agentos_sync {fmt_ms(ag['ttfe_s']['agentos_sync'])} / {fmt_ms(ag['total_s']['agentos_sync'])} / "
            f"{ag['cpu_s']['agentos_sync'] * 1000:.2f} ms; bare {fmt_ms(ag['ttfe_s']['bare'])} / "
            f"{fmt_ms(ag['total_s']['bare'])} / {ag['cpu_s']['bare'] * 1000:.2f} ms; server's share of the "
            f"first event {fmt_ms(ag['server_share_s'])} |"
        )
    imp = results.get("import")
    if imp and "extra_modules" in imp:
        top = ", ".join(f"{x['module']} {x['self_us'] / 1000:.1f}" for x in imp["extra_modules"][:6])
        extras.append(
            f"| modules agentos_sync imports beyond its deps (self ms, top 6) | {top} "
            f"(all: {imp['extra_modules_total_us'] / 1000:.1f} ms) |"
        )
    if extras:
        lines += ["| extra measurement | result |", "|---|---|", *extras, ""]
    lines += scale_sections.render(results)
    rows = results.get("targets", [])
    if rows:
        lines += ["| target | measured | threshold | result |", "|---|---|---|---|"]
        lines += [f"| {r['target']} | {r['measured']} | {r['threshold']} | **{r['status']}** |" for r in rows]
        fails = [r for r in rows if r["status"] == "FAIL"]
        lines += [
            "",
            f"{len(rows) - len(fails)}/{len(rows)} targets met"
            + ("; FAILED: " + "; ".join(r["target"] for r in fails) if fails else ""),
        ]
    return "\n".join(lines)


def update_readme(report: str, cmdline: str) -> None:
    path = ROOT / "benchmarks" / "README.md"
    text = path.read_text() if path.exists() else ""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    block = f"{start}\n`{cmdline}`\n\n{report}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n## Latest results\n\n" + block + "\n"
    path.write_text(text)


def parse_only(spec: Optional[str]) -> Tuple[List[str], List[str]]:
    names = list(CONTENDERS)
    sections = list(SECTIONS)
    if not spec:
        return names, sections
    picked = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [p for p in picked if p not in CONTENDERS and p not in SECTIONS]
    if unknown:
        raise SystemExit(f"--only: unknown {unknown}; contenders: {list(CONTENDERS)}, sections: {list(SECTIONS)}")
    if any(p in CONTENDERS for p in picked):
        names = [n for n in names if n in picked]
    if any(p in SECTIONS for p in picked):
        sections = [s for s in sections if s in picked]
    return names, sections


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: smaller N, fewer rounds (~1 min)")
    ap.add_argument("--only", help="comma-separated contenders and/or sections: " + ", ".join([*CONTENDERS, *SECTIONS]))
    ap.add_argument("--json", metavar="PATH", help="write every raw result here")
    ap.add_argument("--n", type=int, help="RunContent events per throughput stream (default 100000)")
    ap.add_argument("--rounds", type=int, help="interleaved throughput rounds (default 5)")
    ap.add_argument(
        "--chunk",
        type=int,
        default=0,
        help="server HTTP chunk size; 0 (default) = one chunk per SSE frame, as uvicorn sends",
    )
    ap.add_argument("--readme", action="store_true", help="write the report into benchmarks/README.md")
    args = ap.parse_args(argv)
    names, sections = parse_only(args.only)
    cfg = make_config(args)
    results: Dict[str, Any] = {"machine": machine_info(), "config": cfg}
    t_start = time.monotonic()
    _byte_compile()
    server = BenchServer()
    try:
        log(f"server at {server.url}; contenders {names}; sections {sections}")
        steps: List[Tuple[str, Callable[[], Dict[str, Any]], bool]] = [
            ("throughput", lambda: section_throughput(server, cfg, names), True),
            ("lengths", lambda: section_lengths(server, cfg, names), SUBJECT in names),
            ("bigframe", lambda: section_bigframe(server, cfg, names), True),
            ("memory", lambda: section_memory(server, cfg), SUBJECT in names),
            ("import", lambda: section_import(cfg), SUBJECT in names),
            ("reconnect", lambda: section_reconnect(server, cfg), SUBJECT in names),
            ("refuse", lambda: section_refuse(server, cfg), SUBJECT in names),
            ("threads", lambda: section_threads(server, cfg), SUBJECT in names),
            ("agentos", lambda: section_agentos(cfg), SUBJECT in names),
            ("scale", lambda: scale_sections.section_scale(cfg, run_child, log, scale_server), SUBJECT in names),
            ("herd", lambda: scale_sections.section_herd(cfg, run_child, log, scale_server), SUBJECT in names),
        ]
        for key, fn, wanted in steps:
            if key in sections and wanted:
                log(f"[{key}]")
                results[key] = _guard(fn)
    finally:
        server.stop()
    results["targets"] = evaluate(results)
    results["elapsed_s"] = time.monotonic() - t_start
    report = render_report(results, cfg)
    print(report)
    log(f"done in {results['elapsed_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.readme:
        shown = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--readme"]
        if "--json" in shown:  # where the raw numbers went is nobody else's business
            i = shown.index("--json")
            del shown[i : i + 2]
        update_readme(report, " ".join(["python benchmarks/run.py", *shown]))
    return 1 if any(r["status"] == "FAIL" for r in results["targets"]) else 0


def scale_server() -> BenchServer:
    """A fresh ``scale_server.py`` (the scale and herd sections start one per case)."""
    return BenchServer("benchmarks.scale_server", ())


def _byte_compile() -> None:
    """Write the .pyc files of the package (and of the contenders) before anything is timed, as
    pip does when it installs a wheel. Without them, under PYTHONDONTWRITEBYTECODE (set by .ci/run
    and on some machines), every child process compiles this checkout from source, ~30 ms of
    each cold import and of each first stream's lazy imports, while the dependencies it is
    compared with load the bytecode pip wrote."""
    import compileall

    for folder in ("agentos_sync", "benchmarks"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)


def _guard(fn: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    try:
        return fn()
    except Exception as exc:  # a broken section is a FAIL row, not a crash of the whole run
        log(f"  section crashed: {exc!r}")
        return {"error": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    sys.exit(main())
