"""The interpreter's own cost of many runnable threads, with no client and no I/O (issue 27, goal 1).

    python -m benchmarks.gil_floor [--rounds 3] [--switch-interval S]

N threads share the same total of pure-Python work (``json.loads`` of a ~390 B RunContent frame,
200,000 in all), released at once; each thread calls a zero-timeout ``select`` every 40 units,
which releases the GIL the way a stream's read of an already-filled socket does. Throughput at
1,000 threads against 10 is what CPython itself allows on this machine: the scale section's
"aggregate at 1,000 streams vs 10" cannot do better than this by any client code. With 1,000
runnable threads, every thread waiting for the GIL times out each switch interval (5 ms by
default) and takes the GIL's mutex to ask for it: a herd of wake-ups that costs the holder time.
``--switch-interval`` runs it under another ``sys.setswitchinterval`` to show that mechanism.

Prints ``RESULT {json}``: units/s per thread count, per round and their median, and the ratio of
the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
import sys
import threading
import time
from typing import Any, Dict, List, Optional

FRAME = json.dumps(
    {
        "event": "RunContent",
        "created_at": 1,
        "run_id": "r" * 36,
        "session_id": "s" * 36,
        "agent_id": "assistant",
        "content": "tok " * 40,
        "content_type": "str",
        "event_index": 1,
    }
).encode()
TOTAL = 200_000
PER_READ = 40  # units of work between two GIL releases: ~16 KiB reads of ~390 B frames
THREADS = (10, 1000)


def one(n: int, total: int = TOTAL) -> float:
    """Units of work per second, ``total`` of them shared by ``n`` threads started together."""
    per = total // n
    go = threading.Event()
    r, w = os.pipe()

    def body() -> None:
        go.wait()
        loads = json.loads
        for i in range(per):
            if i % PER_READ == 0:
                select.select([r], [], [], 0)  # releases the GIL, returns at once
            loads(FRAME)

    threads = [threading.Thread(target=body, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    time.sleep(0.3)  # every thread parked on the event
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    os.close(r)
    os.close(w)
    return per * n / elapsed


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for this run")
    args = ap.parse_args(argv)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    eps: Dict[int, List[float]] = {n: [] for n in THREADS}
    for _ in range(args.rounds):
        for n in THREADS:
            eps[n].append(one(n))
    median = {n: statistics.median(v) for n, v in eps.items()}
    res: Dict[str, Any] = {
        "eps": {str(n): v for n, v in eps.items()},
        "median": {str(n): v for n, v in median.items()},
        "ratio": median[THREADS[-1]] / median[THREADS[0]],
        "switch_interval_s": sys.getswitchinterval(),
    }
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
