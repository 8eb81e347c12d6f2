"""The parse ceiling: ``json.loads`` of every event's pre-split ``data:`` line, no I/O at all.

The lines are ``bytes`` as they come off the wire (``json.loads`` decodes them: a client has to
do that work too); ``BENCH_JSON_STR=1`` pre-decodes them to ``str`` instead (~20% faster).

No Python SSE client can deliver parsed events faster than this on the same machine; the issue's
throughput target is a fraction of it, measured in the same run. ``--url`` is ignored; the lines
are rendered in-process from the same scenario (``--scenario``/``--n``) the server would stream.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Dict, List, Optional

from benchmarks.contenders import _harness
from benchmarks.frames import Renderer, Scenario

NAME = "json-limit"


def load() -> None:
    pass


def run(n: int, frame: int = 390) -> Dict[str, Any]:
    lines: List[Any] = Renderer(Scenario(n=n, frame=frame)).data_lines()
    if os.environ.get("BENCH_JSON_STR"):
        lines = [line.decode() for line in lines]
    loads = json.loads
    count = 0
    ev: Any = None
    c0, t0 = time.process_time(), time.perf_counter()
    for line in lines:
        ev = loads(line)
        count += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "events": count,
        "seconds": dt,
        "eps": count / dt,
        "cpu_s": cpu,
        "eps_cpu": count / cpu if cpu > 0 else 0.0,
        "_last": ev["event"],
    }


def lengths(n: int, frame: int, repeat: int) -> Dict[str, Any]:
    """As the harness's ``lengths`` mode: the first parse of a run's lines in this process, then
    ``repeat`` more (the lines are rendered before each clock starts)."""
    lines: List[Any] = Renderer(Scenario(n=n, frame=frame)).data_lines()
    loads = json.loads
    walls: List[float] = []
    cpus: List[float] = []
    for _ in range(repeat + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        for line in lines:
            loads(line)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {
        "events": len(lines),
        "cold_s": walls[0],
        "cold_cpu_s": cpus[0],
        "warm_s": walls[1:],
        "warm_cpu_s": cpus[1:],
    }


def main(argv: Optional[List[str]] = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m benchmarks.contenders.json_limit", description=__doc__)
    ap.add_argument("--url", default="", help="ignored (no I/O)")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--scenario", default="", help="only n= and frame= are used")
    ap.add_argument("--mode", default="throughput", choices=["throughput", "lengths"])
    ap.add_argument("--repeat", type=int, default=5, help="lengths: warm runs after the first")
    args, _ = ap.parse_known_args(argv)
    sc = Scenario.parse(args.scenario, Scenario(n=args.n)) if args.scenario else Scenario(n=args.n)
    res: Dict[str, Any] = {"contender": NAME, "mode": args.mode, "import_s": 0.0}
    if args.mode == "lengths":
        res.update(lengths(sc.n, sc.frame, args.repeat))
    else:
        out = run(sc.n, sc.frame)
        if out.pop("_last") != "RunCompleted" or out["events"] != sc.total:
            res["error"] = "bad frames"
        res.update(out)
    res["maxrss_kib"] = _harness.maxrss_kib()
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")
    sys.exit(1 if "error" in res else 0)


if __name__ == "__main__":
    main()
