#!/usr/bin/env python
"""What configure-and-observe (issue 23) costs when it is off: this checkout against an older
commit of ``agentos_sync`` in the same run, on the same loopback server.

    python benchmarks/observe_overhead.py                  # against `git merge-base HEAD main`
    python benchmarks/observe_overhead.py --base a75730a --rounds 9 --n 100000

Both sides run the same harness (this checkout's ``benchmarks/``); only the ``agentos_sync``
package differs: the older one is taken out of git (``git archive``) into a temporary directory.
Every measurement is a fresh child process, the two sides alternate (A B, B A, ...), logging is
off, no hooks, no OpenTelemetry (the children never import it), as a user who configured
nothing has it. Two measurements:

- ``stream``: one background stream of N RunContent events (the harness's throughput mode):
  events per second, wall and CPU. The target: the disabled paths within 2% of the base.
- ``calls``: ``client.get_config()`` in a loop (per request work: the request id, the
  observer's check), calls per second.
- ``memory``: the same kind of stream served from memory by a Transport, best of 7 in one
  process: the client's own CPU per event, without the server or the network sharing the CPU
  (the figure a loaded machine moves least).

The report is markdown on stdout: median per side, the ratio and the ratio's spread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import PY, BenchServer  # noqa: E402

TARGET = 0.98

CALLS_CHILD = """
import json, sys, time
import agentos_sync
client = agentos_sync.AgentOSClient(base_url=sys.argv[1])
n = int(sys.argv[2])
for _ in range(50):
    client.get_config()
c0, t0 = time.process_time(), time.perf_counter()
for _ in range(n):
    client.get_config()
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
print("RESULT " + json.dumps({"calls": n, "cps": n / dt, "cps_cpu": n / cpu, "file": agentos_sync.__file__}))
"""


#: The client's own per-event CPU, without the network: a 100k-event background stream served from
#: memory (64 KiB chunks) by a Transport, best of 7 in one process. What a loaded machine moves
#: least (the socket-based stream above shares the CPU with the server and with other work).
MEMORY_CHILD = """
import json, sys, time
import agentos_sync
from agentos_sync.transports.base import IteratorResponse, Transport
n = int(sys.argv[1])
def frame(ev, i, **kw):
    d = {"event": ev, "run_id": "r-1", "session_id": "s-1", "agent_id": "assistant", "created_at": 1,
         "event_index": i, **kw}
    return ("event: %s\\ndata: %s\\n\\n" % (ev, json.dumps(d))).encode()
body = b"".join([frame("RunStarted", 0)] + [frame("RunContent", i, content="tok ") for i in range(1, n + 1)]
                + [frame("RunCompleted", n + 1, content="x")])
chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
class Memory(Transport):
    def send(self, request):
        return IteratorResponse(200, {"content-type": "text/event-stream"}, list(chunks))
client = agentos_sync.AgentOSClient("http://memory.local", transport=Memory())
best = None
for _ in range(7):
    c0 = time.process_time()
    count = sum(1 for _ in client.agents.stream("assistant", "bench", background=True))
    cpu = time.process_time() - c0
    best = cpu if best is None else min(best, cpu)
assert count == n + 2, count
print("RESULT " + json.dumps({"events": count, "eps_cpu": count / best}))
"""


def _side(workdir: Path, name: str, package: Path) -> Path:
    """A directory whose ``agentos_sync`` is ``package`` and whose ``benchmarks`` is this one's."""
    side = workdir / name
    side.mkdir()
    (side / "agentos_sync").symlink_to(package, target_is_directory=True)
    (side / "benchmarks").symlink_to(ROOT / "benchmarks", target_is_directory=True)
    subprocess.run([PY, "-m", "compileall", "-q", str(package)], check=True)
    return side


def _base_package(workdir: Path, base: str) -> Path:
    out = workdir / "base-tree"
    out.mkdir()
    archive = subprocess.run(["git", "archive", base, "agentos_sync"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out / "agentos_sync"


def _child(side: Path, args: List[str], timeout: float) -> Dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AGENTOS_LOG")}
    proc = subprocess.run([PY, *args], cwd=side, env=env, capture_output=True, text=True, timeout=timeout)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[7:])  # type: ignore[no-any-return]
    return {"error": (proc.stderr or proc.stdout)[-2000:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default=None, help="the commit to compare with [default: git merge-base HEAD main]")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--n", type=int, default=100_000, help="RunContent events per stream")
    ap.add_argument("--calls", type=int, default=2_000, help="get_config() calls per calls-measurement")
    ap.add_argument("--json", default=None, help="write every raw measurement here")
    args = ap.parse_args()
    base = (
        args.base
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "agentos_sync"], cwd=ROOT, capture_output=True, text=True)
    server = BenchServer()
    raw: Dict[str, Dict[str, List[Dict[str, Any]]]] = {
        "base": {"stream": [], "calls": [], "memory": []},
        "head": {"stream": [], "calls": [], "memory": []},
    }
    try:
        with tempfile.TemporaryDirectory(prefix="observe-bench-") as tmp:
            workdir = Path(tmp)
            sides = {
                "base": _side(workdir, "base", _base_package(workdir, base)),
                "head": _side(workdir, "head", ROOT / "agentos_sync"),
            }
            server.set(f"n={args.n},frame=390,chunk=0")
            for r in range(args.rounds):
                order = ["base", "head"] if r % 2 == 0 else ["head", "base"]
                for name in order:
                    stream = _child(
                        sides[name],
                        [
                            "-m",
                            "benchmarks.contenders.agentos_sync_client",
                            "--url",
                            server.url,
                            "--mode",
                            "throughput",
                            "--n",
                            str(args.n),
                        ],
                        timeout=300,
                    )
                    calls = _child(sides[name], ["-c", CALLS_CHILD, server.url, str(args.calls)], timeout=300)
                    memory = _child(sides[name], ["-c", MEMORY_CHILD, str(args.n)], timeout=300)
                    for kind, res in (("stream", stream), ("calls", calls), ("memory", memory)):
                        if "error" in res:
                            print(f"{name} {kind} failed: {res['error']}", file=sys.stderr)
                            return 2
                        raw[name][kind].append(res)
                    print(
                        f"round {r + 1}/{args.rounds} {name}: {stream['eps_cpu']:,.0f} events/CPU-s, "
                        f"{calls['cps']:,.0f} calls/s, {memory['eps_cpu']:,.0f} in-memory events/CPU-s",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps({"base": base, "raw": raw}, indent=1))
    rows = [
        ("stream events/s (wall)", "stream", "eps"),
        ("stream events/CPU-s", "stream", "eps_cpu"),
        ("get_config calls/s (wall)", "calls", "cps"),
        ("get_config calls/CPU-s", "calls", "cps_cpu"),
        ("in-memory stream events/CPU-s (best of 7)", "memory", "eps_cpu"),
    ]
    print(
        f"base {base[:10]} vs head {head.strip()}{' (+ uncommitted changes)' if dirty.stdout.strip() else ''}, "
        f"{args.rounds} interleaved rounds, N={args.n:,}, {time.strftime('%Y-%m-%d')}\n"
    )
    print("| measure | base (median) | head (median) | head/base | per-round ratios min-max |")
    print("|---|---:|---:|---:|---|")
    verdict = False
    checks: List[str] = []
    for label, kind, key in rows:
        b = [m[key] for m in raw["base"][kind]]
        h = [m[key] for m in raw["head"][kind]]
        ratios = [hv / bv for hv, bv in zip(h, b)]
        ratio = statistics.median(h) / statistics.median(b)
        print(
            f"| {label} | {statistics.median(b):,.0f} | {statistics.median(h):,.0f} | {ratio:.3f} | "
            f"{min(ratios):.3f}-{max(ratios):.3f} |"
        )
        if key == "eps_cpu":
            checks.append(f"{label}: {ratio:.3f} {'met' if ratio >= TARGET else 'MISSED'}")
            verdict |= ratio < TARGET
    print(f"\nTarget, events per CPU-second of head >= {TARGET:.2f}x base: " + "; ".join(checks))
    return int(verdict)


if __name__ == "__main__":
    sys.exit(main())
