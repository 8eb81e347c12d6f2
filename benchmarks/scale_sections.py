"""The ``scale`` and ``herd`` sections of ``benchmarks/run.py`` (issue 27): many open background
streams in one process, and all of them cut at once. Each case is a fresh ``benchmarks.scale``
child process against a fresh ``benchmarks.scale_server``; see benchmarks/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from benchmarks.scale import CLIENTS, HERD_BACKOFF, policy_storm

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SUBJECT, RUN_MANY, PEER = CLIENTS

# The goals, in one place.
T_SCALE_AGGREGATE = 0.8  # aggregate events/s at the largest N >= 0.8x at 10 streams
T_RSS_PER_STREAM_KIB = 64.0  # RSS per idle open stream beyond its thread's own
T_IDLE_CPU = 0.01  # CPU while every stream is idle (server silent), share of one core
T_DELAY_P99_MS = 50.0  # write -> loop delay, 99th percentile, at the largest N

Log = Callable[[str], None]
RunChild = Callable[[Sequence[str], float], Dict[str, Any]]
#: Starts a fresh scale_server.py: an object with ``url`` and ``stop()`` (run.py's BenchServer).
Spawn = Callable[[], Any]


def config(quick: bool) -> Dict[str, Any]:
    return {
        "scale_ns": (10, 100, 1000),
        "scale_rounds": 1 if quick else 2,
        "scale_idle_s": 2.0 if quick else 5.0,
        "scale_burst_total": 100_000 if quick else 200_000,
        "scale_pace_rate": 20.0,
        "scale_pace_s": 2.0 if quick else 3.0,
        "herd_n": 1000,
        "herd_refuse_s": 2.0,
        "herd_variants": ("restart",) if quick else ("restart", "restart-stale", "cut"),
        "herd_burst": 20,
        "herd_missed": 10,
    }


HERD_VARIANTS: Dict[str, Dict[str, Any]] = {
    # The server process restarts: every connection cut at once, connections refused for T
    # seconds, then the runs are served again from their live buffers (agno with its Redis event
    # stream: any worker holds every live run).
    "restart": {"refuse": True, "stale_first": False},
    # The same, but the first resume of every run lands on a worker that does not hold it (a
    # `replay` RUNNING with no events): the client's hedged resumes on fresh connections heal it.
    "restart-stale": {"refuse": True, "stale_first": True},
    # A proxy or balancer drops every connection at once; the server itself stays up.
    "cut": {"refuse": False, "stale_first": False},
}


def _child(run_child: RunChild, spawn: Spawn, args: Sequence[str], timeout: float) -> Dict[str, Any]:
    server = spawn()
    try:
        return run_child([PY, "-m", "benchmarks.scale", "--url", server.url, *args], timeout)
    finally:
        server.stop()


def _err(res: Dict[str, Any]) -> str:
    e = str(res.get("error", ""))
    return e if len(e) < 160 else e[:157] + "..."


# -- scale --------------------------------------------------------------------------------------
def section_scale(cfg: Dict[str, Any], run_child: RunChild, log: Log, spawn: Spawn) -> Dict[str, Any]:
    """Every client at every N, rounds interleaved (clients rotated), a fresh server each."""
    out: Dict[str, Any] = {"cases": {}}
    clients = list(CLIENTS)
    for r in range(cfg["scale_rounds"]):
        for n in cfg["scale_ns"]:
            order = clients[r % 3 :] + clients[: r % 3]
            for client in order:
                args = [
                    "--mode=scale",
                    f"--client={client}",
                    f"--n={n}",
                    f"--idle={cfg['scale_idle_s']}",
                    f"--burst-total={cfg['scale_burst_total']}",
                    f"--pace-rate={cfg['scale_pace_rate']}",
                    f"--pace-seconds={cfg['scale_pace_s']}",
                ]
                res = _child(run_child, spawn, args, 600)
                out["cases"].setdefault(f"{client}/{n}", []).append(res)
                if "error" in res:
                    log(f"  {client} x {n}: ERROR {_err(res)}")
                    continue
                d = res.get("delay") or {}
                log(
                    f"  {client} x {n}: {res['burst']['eps']:,.0f} events/s, RSS/stream "
                    f"{res['rss_per_stream_kib']:.1f} KiB open"
                    + (
                        f", {res['rss_per_stream_after_kib']:.1f} after traffic"
                        if "rss_per_stream_after_kib" in res
                        else ""
                    )
                    + f", idle CPU {_idle_cpu(res) * 100:.3f}%"
                    + (
                        f", delay p50 {d['p50_ms']:.2f} / p99 {d['p99_ms']:.2f} ms"
                        if d.get("p99_ms") is not None
                        else ""
                    )
                )
    out["summary"] = {key: _summarise(runs) for key, runs in out["cases"].items()}
    # What CPython itself allows: the same work shared by 1,000 threads against 10, no I/O, no client.
    floor = run_child([PY, "-m", "benchmarks.gil_floor"], 300)
    out["gil_floor"] = floor
    if "ratio" in floor:
        log(f"  interpreter floor (pure-Python work, no I/O): 1,000 threads vs 10 {floor['ratio']:.2f}x")
    else:
        log(f"  interpreter floor: ERROR {_err(floor)}")
    return out


def _idle_cpu(res: Dict[str, Any]) -> float:
    return max(res[k]["cpu_share"] for k in ("idle_open", "idle_after") if k in res)


def _summarise(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Over the rounds: the best aggregate (other load only ever lowers it) and the worst costs."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": _err(runs[0])}
    delays = [r["delay"] for r in ok if r.get("delay")]
    out: Dict[str, Any] = {
        "rounds": len(ok),
        "eps": max(r["burst"]["eps"] for r in ok),
        "eps_all": [r["burst"]["eps"] for r in ok],
        "server_cpu_share": max(r["burst"]["server_cpu_share"] for r in ok),
        "rss_open_kib": max(r["rss_per_stream_kib"] for r in ok),
        "idle_cpu": max(_idle_cpu(r) for r in ok),
        "open_s": max(r["open_s"] for r in ok),
        "exact": min(r["exact_streams"] for r in ok),
        "n": ok[0]["n"],
    }
    after = [r["rss_per_stream_after_kib"] for r in ok if "rss_per_stream_after_kib" in r]
    if after:
        out["rss_after_kib"] = max(after)
    trimmed = [r["rss_per_stream_after_trim_kib"] for r in ok if "rss_per_stream_after_trim_kib" in r]
    if trimmed:
        out["rss_after_trim_kib"] = max(trimmed)
    if delays:
        out["delay_p50_ms"] = max(d["p50_ms"] for d in delays)
        out["delay_p99_ms"] = max(d["p99_ms"] for d in delays)
        out["delay_max_ms"] = max(d["max_ms"] for d in delays)
        out["delay_events"] = delays[0]["events"]
    if len(ok) < len(runs):
        out["error"] = _err(next(r for r in runs if "error" in r))
    return out


# -- herd ---------------------------------------------------------------------------------------
def section_herd(cfg: Dict[str, Any], run_child: RunChild, log: Log, spawn: Spawn) -> Dict[str, Any]:
    out: Dict[str, Any] = {"cases": {}, "policy": {}}
    n = cfg["herd_n"]
    for variant in cfg["herd_variants"]:
        v = HERD_VARIANTS[variant]
        refuse = cfg["herd_refuse_s"] if v["refuse"] else 0.0
        for client in (SUBJECT, PEER):
            args = [
                "--mode=herd",
                f"--client={client}",
                f"--n={n}",
                f"--refuse={refuse}",
                f"--burst={cfg['herd_burst']}",
                f"--missed={cfg['herd_missed']}",
                *(["--stale-first"] if v["stale_first"] else []),
            ]
            res = _child(run_child, spawn, args, 600)
            res.pop("stderr", None)  # one warning line per cut stream: thousands of lines
            out["cases"][f"{variant}/{client}"] = res
            if "error" in res:
                log(f"  {variant}, {client}: ERROR {_err(res)}")
                continue
            log(
                f"  {variant}, {client}: {res['exact_streams']}/{n} exact; requests per stream "
                f"{res['client_requests']['per_stream_mean']:.2f} sent, "
                f"{res['server_requests']['per_stream_mean']:.2f} reached the server; "
                f"first resume p50 {res['first_resume_ms']['p50']:.0f} ms; back after "
                f"p50 {res['recovery_ms']['p50']:.0f} / max {res['recovery_ms']['max']:.0f} ms; peak resumes "
                f"{res['peak_reached_resumes_100ms']}/100 ms, {res['peak_reached_resumes_10ms']}/10 ms"
            )
        # What the schedules imply, by simulation: this client's default policy and the
        # hand-rolled loop's (same ceilings, no jitter).
        pol = (out["cases"].get(f"{variant}/{SUBJECT}") or {}).get("policy") or {
            "initial_backoff": 0.1,
            "max_backoff": 5.0,
            "max_attempts": 10,
            "hedge": 2,
        }
        sim = dict(refuse=refuse, stale_first=v["stale_first"], hedge=pol["hedge"])
        out["policy"][variant] = {
            SUBJECT: policy_storm(
                n, initial=pol["initial_backoff"], cap=pol["max_backoff"], attempts=pol["max_attempts"], **sim
            ),
            PEER: policy_storm(n, initial=HERD_BACKOFF[0], cap=HERD_BACKOFF[1], attempts=30, jitter=False, **sim),
        }
    return out


# -- targets and report -------------------------------------------------------------------------
def evaluate(results: Dict[str, Any], add: Callable[[str, str, str, str], None]) -> None:
    sc = results.get("scale")
    if sc is not None:
        _evaluate_scale(sc, add)
    hd = results.get("herd")
    if hd is not None:
        _evaluate_herd(hd, add)


def _evaluate_scale(sc: Dict[str, Any], add: Callable[[str, str, str, str], None]) -> None:
    summary = sc.get("summary", {})
    ns = sorted({int(k.split("/")[1]) for k in summary})
    if "error" in sc or not ns:
        add("scale: the section ran", "FAIL", f"error: {sc.get('error')}", "")
        return
    top = ns[-1]
    lo = summary.get(f"{SUBJECT}/{min(ns)}", {})
    hi = summary.get(f"{SUBJECT}/{top}", {})
    if "eps" in lo and "eps" in hi:
        ratio = hi["eps"] / lo["eps"]
        floor = (sc.get("gil_floor") or {}).get("ratio")
        add(
            f"scale: aggregate events/s, {top:,} streams vs {min(ns)}",
            "PASS" if ratio >= T_SCALE_AGGREGATE else "FAIL",
            f"{ratio:.2f}x ({hi['eps']:,.0f} vs {lo['eps']:,.0f})"
            + (f"; the interpreter's own floor in this run {floor:.2f}x (benchmarks/gil_floor.py)" if floor else ""),
            f">= {T_SCALE_AGGREGATE}x",
        )
    else:
        add("scale: aggregate events/s", "FAIL", f"error: {hi.get('error') or lo.get('error')}", "")
    for key, label in ((SUBJECT, "threads"), (RUN_MANY, "run_many")):
        row = summary.get(f"{key}/{top}", {})
        if "rss_open_kib" not in row:
            add(f"scale: RSS per idle open stream ({label})", "FAIL", f"error: {row.get('error')}", "")
            continue
        worst = max(row["rss_open_kib"], row.get("rss_after_kib", 0.0))
        after = f", after a burst {row['rss_after_kib']:.1f} KiB" if "rss_after_kib" in row else ""
        add(
            f"scale: RSS per idle open stream beyond its thread, {top:,} streams ({label})",
            "PASS" if worst <= T_RSS_PER_STREAM_KIB else "FAIL",
            f"{row['rss_open_kib']:.1f} KiB open{after}",
            f"<= {T_RSS_PER_STREAM_KIB:.0f} KiB",
        )
        add(
            f"scale: CPU while {top:,} streams are idle ({label})",
            "PASS" if row["idle_cpu"] < T_IDLE_CPU else "FAIL",
            f"{row['idle_cpu'] * 100:.3f}% of a core",
            f"< {T_IDLE_CPU * 100:.0f}%",
        )
    if "delay_p99_ms" in hi:
        add(
            f"scale: delay from the server's write to the loop, p99, {top:,} streams",
            "PASS" if hi["delay_p99_ms"] <= T_DELAY_P99_MS else "FAIL",
            f"{hi['delay_p99_ms']:.2f} ms (p50 {hi['delay_p50_ms']:.2f} ms, {hi['delay_events']:,} events)",
            f"<= {T_DELAY_P99_MS:.0f} ms",
        )


def _evaluate_herd(hd: Dict[str, Any], add: Callable[[str, str, str, str], None]) -> None:
    if "error" in hd:
        add("herd: the section ran", "FAIL", f"error: {hd.get('error')}", "")
        return
    for key, res in hd.get("cases", {}).items():
        variant, client = key.split("/")
        if client != SUBJECT:
            continue
        n = res.get("n", 0)
        if "error" in res:
            add(f"herd ({variant}): every stream exact", "FAIL", f"error: {_err(res)}", f"{n}/{n}")
            continue
        add(
            f"herd ({variant}, {n:,} streams): every stream exact (no loss, no duplicate, in order)",
            "PASS" if res["exact_streams"] == n else "FAIL",
            f"{res['exact_streams']}/{n}",
            f"{n}/{n}",
        )
        simulated = hd["policy"][variant][SUBJECT]["peak_100ms_p99"]
        pol = res.get("policy") or {}
        peak = res["peak_reached_resumes_100ms"]
        if pol.get("max_resume_rate"):
            # The client's pace is a bound by construction: burst + rate x 0.1 s in any 100 ms.
            bound = int(pol["resume_burst"] + pol["max_resume_rate"] * 0.1)
            said = f"<= {bound} (the client's pace: {pol['resume_burst']} + {pol['max_resume_rate']:g}/s x 0.1 s)"
        else:
            bound, said = simulated, f"<= {simulated} (the policy's, 99th percentile of 200 simulated herds)"
        add(
            f"herd ({variant}): reconnect storm, most resumes reaching the server in 100 ms",
            "PASS" if peak <= bound else "FAIL",
            f"{peak} (10 ms: {res['peak_reached_resumes_10ms']}; as the server logged them: "
            f"{res['peak_server_resumes_100ms']}, 10 ms: {res['peak_server_resumes_10ms']})",
            said,
        )


def render(results: Dict[str, Any]) -> List[str]:
    """The markdown of both sections (what ran of them)."""
    return _render_scale(results) + _render_herd(results)


def _render_scale(results: Dict[str, Any]) -> List[str]:
    lines: List[str] = []
    sc = results.get("scale")
    if sc and "summary" in sc:
        cfg = results["config"]
        lines += [
            f"Scale: N background streams open in one process, one client; a burst of "
            f"{cfg['scale_burst_total']:,} RunContent events over all streams (aggregate events/s), quiet windows of "
            f"{cfg['scale_idle_s']:.0f} s (RSS, CPU), then {cfg['scale_pace_rate']:.0f} events/s per stream for "
            f"{cfg['scale_pace_s']:.0f} s stamped at the server's write (delay to the loop). Best aggregate and "
            f"worst costs of {cfg['scale_rounds']} round(s). RSS per stream: beyond N idle threads holding no "
            "stream; after a burst, and after malloc_trim(0) (what the C allocator keeps of freed memory).",
            "",
            "| client | streams | events/s | x 10 streams | RSS/stream open | after a burst | after trim | "
            "idle CPU | delay p50 | p99 | max | server CPU in burst | exact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        summary = sc["summary"]
        for client in CLIENTS:
            base = summary.get(f"{client}/{min(int(k.split('/')[1]) for k in summary)}", {})
            for key, row in summary.items():
                if not key.startswith(client + "/"):
                    continue
                if "eps" not in row:
                    lines.append(f"| {client} | {key.split('/')[1]} | error: {row.get('error')} | | | | | | | | | | |")
                    continue

                def kib(k: str, r: Dict[str, Any] = row) -> str:
                    return f"{r[k]:.1f} KiB" if k in r else "n/a"

                def ms(k: str, r: Dict[str, Any] = row) -> str:
                    return f"{r[k]:.2f} ms" if k in r else "n/a"

                x = f"{row['eps'] / base['eps']:.2f}" if base.get("eps") else ""
                lines.append(
                    f"| {client} | {row['n']:,} | {row['eps']:,.0f} | {x} | {kib('rss_open_kib')} | "
                    f"{kib('rss_after_kib')} | {kib('rss_after_trim_kib')} | {row['idle_cpu'] * 100:.3f}% | "
                    f"{ms('delay_p50_ms')} | {ms('delay_p99_ms')} | {ms('delay_max_ms')} | "
                    f"{row['server_cpu_share'] * 100:.0f}% | {row['exact']}/{row['n']} |"
                )
        lines.append("")
        floor = sc.get("gil_floor") or {}
        if "ratio" in floor:
            median = {int(k): v for k, v in floor["median"].items()}
            lo, hi = min(median), max(median)
            lines += [
                f"The interpreter's floor in the same run (`benchmarks/gil_floor.py`: the same pure-Python work "
                f"shared by {hi:,} threads against {lo}, no I/O, no client): {floor['ratio']:.2f}x "
                f"(median {median[hi]:,.0f} vs {median[lo]:,.0f} units/s). Every thread waiting for the GIL "
                "times out each switch interval "
                f"({floor['switch_interval_s'] * 1000:.0f} ms) and asks for it: with 1,000 runnable threads, "
                "a herd of wake-ups that no client code avoids.",
                "",
            ]
    return lines


def _render_herd(results: Dict[str, Any]) -> List[str]:
    lines: List[str] = []
    hd = results.get("herd")
    if hd and "cases" in hd:
        cfg = results["config"]
        lines += [
            f"Thundering herd: {cfg['herd_n']:,} open background streams, every connection cut at once; "
            f"`restart`: connections refused for {cfg['herd_refuse_s']:.0f} s, then the runs are served again; "
            "`restart-stale`: the same, the first resume of each run answered by a worker without it; `cut`: the "
            f"server stays up. {cfg['herd_missed']} events per run are published during the outage. Requests per "
            "stream over the outage (cut to every stream back): sent by the client (refused ones included) / "
            "reached the server (hedged on fresh connections). Times from the cut. Peak: the most resumes that "
            "reached the server sent in any 100 ms / 10 ms (the client's clock, just before each request), and "
            "in 100 ms as the server logged them (its event loop batches arrivals); the policy's: 99th percentile "
            "of 200 simulated herds under the client's schedule, every request taking no time.",
            "",
            "| outage | client | exact | requests/stream sent | reached server | hedged | first resume p50 / p90 / max "
            "| back p50 / p90 / max | peak /100 ms | /10 ms | server log /100 ms | policy's /100 ms | /10 ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for key, res in hd["cases"].items():
            variant, client = key.split("/")
            if "error" in res:
                lines.append(f"| {variant} | {client} | error: {_err(res)} | | | | | | | | | | |")
                continue
            pol = hd["policy"][variant][client]
            fr, rc = res["first_resume_ms"], res["recovery_ms"]
            lines.append(
                f"| {variant} | {client} | {res['exact_streams']}/{res['n']} | "
                f"{res['client_requests']['per_stream_mean']:.2f} (max {res['client_requests']['per_stream_max']}) | "
                f"{res['server_requests']['per_stream_mean']:.2f} | {res['hedged_requests']} | "
                f"{_ms3(fr)} | {_ms3(rc)} | {res['peak_reached_resumes_100ms']} | {res['peak_reached_resumes_10ms']} | "
                f"{res['peak_server_resumes_100ms']} | "
                f"{pol['peak_100ms_p99']} | {pol['peak_10ms_p99']} |"
            )
        lines.append("")
    return lines


def _ms3(q: Dict[str, Optional[float]]) -> str:
    if q.get("p50") is None:
        return "n/a"
    return f"{q['p50']:.0f} / {q['p90']:.0f} / {q['max']:.0f} ms"
