"""Latency and client CPU per run against a real AgentOS (agno) with the deterministic fake LLM.

    python -m benchmarks.agentos_latency --runs 60        # starts both servers, prints RESULT {json}

Two clients take turns, run by run, in ONE process (so both are warm and meet the same load):

- ``agentos_sync``: ``client.run_agent_stream("assistant", PROMPT, background=True)``.
- ``bare``: requests (``stream=True``) + ``sseclient.SSEClient(resp)`` + ``json.loads``, posting the
  same form this client sends (``message``, ``stream``, ``background``, ``session_id``, ``run_id``,
  ``metadata`` with the create tag, and the ``Idempotency-Key`` header), so the server does the
  same work for both: a fresh session per run, a run_id chosen by the client.

Per run: time to first event (from the call to the first event in hand), time to the end, and the
process's CPU time over the whole run and up to the first event. The client's own share of the
latency is the median of the paired differences (each agentos_sync run minus the bare run next to
it); its spread is given as the 95% interval of that median by bootstrap. The server's share is the
bare stack's time to first event minus the bare client's CPU up to it (what the client could not
have saved). The servers: ``tests/integration/servers`` (fake LLM and ``agentos_app.py``), on
loopback ports, in a temporary directory, stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ROOT / "tests" / "integration" / "servers"
PROMPT = "Say hello in a short sentence."
CREATE_TAG = "agentos_sync_create"  # agentos_sync._runs.CREATE_TAG: what the client's metadata carries


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s")


class Servers:
    """The fake LLM and one AgentOS process, on free loopback ports."""

    def __init__(self, workdir: Path) -> None:
        env = dict(os.environ, AGNO_TELEMETRY="false", PYTHONUNBUFFERED="1")
        env.pop("OS_SECURITY_KEY", None)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        self.procs: List[subprocess.Popen[bytes]] = []
        llm_port, os_port = _free_port(), _free_port()
        log = open(workdir / "servers.log", "ab")  # noqa: SIM115 (closed with the processes)
        self._log = log
        self.procs.append(
            subprocess.Popen(
                [sys.executable, str(SERVERS / "fake_llm.py"), "--port", str(llm_port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=str(SERVERS),
            )
        )
        self.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(SERVERS / "agentos_app.py"),
                    "--port",
                    str(os_port),
                    "--db",
                    str(workdir / "bench.db"),
                    "--llm-url",
                    f"http://127.0.0.1:{llm_port}/v1",
                    "--exit-with-parent",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=str(SERVERS),
            )
        )
        self.url = f"http://127.0.0.1:{os_port}"
        _wait_healthy(self.url + "/health", self.procs[1])

    def stop(self) -> None:
        for proc in self.procs:  # only the processes started here, by their handles
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self._log.close()


Timed = Tuple[float, float, float, float, int]  # ttfe_s, total_s, cpu_s, cpu_to_first_s, events


def _timed(open_events: Callable[[], Any]) -> Timed:
    t0, c0 = time.perf_counter(), time.process_time()
    first = cpu_first = 0.0
    count = 0
    for _ in open_events():
        if count == 0:
            first, cpu_first = time.perf_counter() - t0, time.process_time() - c0
        count += 1
    return first, time.perf_counter() - t0, time.process_time() - c0, cpu_first, count


def main(argv: Any = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60, help="runs per client, interleaved")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--url", help="an AgentOS already running (else both servers are started)")
    args = ap.parse_args(argv)

    res: Dict[str, Any] = {"mode": "agentos-latency", "runs": args.runs}
    servers = None
    tmp = tempfile.TemporaryDirectory(prefix="bench_agentos_")
    try:
        if args.url:
            url = args.url
        else:
            servers = Servers(Path(tmp.name))
            url = servers.url
        import requests
        import sseclient

        import agentos_sync

        client = agentos_sync.AgentOSClient(base_url=url)
        session = requests.Session()

        def ours() -> Any:
            return client.run_agent_stream("assistant", PROMPT, background=True)

        def bare() -> Any:
            key = uuid.uuid4().hex
            form = {
                "message": PROMPT,
                "stream": "true",
                "background": "true",
                "session_id": str(uuid.uuid4()),
                "metadata": json.dumps({CREATE_TAG: key}),
                "run_id": str(uuid.uuid4()),
            }
            resp = session.post(
                f"{url}/agents/assistant/runs",
                data=form,
                headers={"Accept": "text/event-stream", "Idempotency-Key": key},
                stream=True,
                timeout=(10, 60),
            )
            resp.raise_for_status()
            try:
                for event in sseclient.SSEClient(resp).events():
                    yield json.loads(event.data)
            finally:
                resp.close()

        for _ in range(args.warmup):
            _timed(ours)
            _timed(bare)
        runs: Dict[str, List[Timed]] = {"agentos_sync": [], "bare": []}
        for i in range(args.runs):
            pair = [("agentos_sync", ours), ("bare", bare)]
            for name, fn in pair if i % 2 == 0 else pair[::-1]:
                runs[name].append(_timed(fn))
        client.close()
        session.close()
        res["raw"] = runs
        res.update(summarize(runs))
    except Exception as exc:
        res["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if servers is not None:
            servers.stop()
        tmp.cleanup()
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")
    sys.exit(1 if "error" in res else 0)


def _bootstrap_median(xs: List[float], rounds: int = 2000) -> Tuple[float, float]:
    rng = random.Random(18)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(rounds))
    return meds[int(0.025 * rounds)], meds[int(0.975 * rounds) - 1]


def summarize(runs: Dict[str, List[Timed]]) -> Dict[str, Any]:
    ours, bare = runs["agentos_sync"], runs["bare"]
    diffs = [a[0] - b[0] for a, b in zip(ours, bare)]
    lo, hi = _bootstrap_median(diffs)

    def med(rows: List[Timed], k: int) -> float:
        return statistics.median(r[k] for r in rows)

    return {
        "ttfe_s": {"agentos_sync": med(ours, 0), "bare": med(bare, 0)},
        "total_s": {"agentos_sync": med(ours, 1), "bare": med(bare, 1)},
        "cpu_s": {"agentos_sync": med(ours, 2), "bare": med(bare, 2)},
        "cpu_to_first_s": {"agentos_sync": med(ours, 3), "bare": med(bare, 3)},
        "events": {"agentos_sync": med(ours, 4), "bare": med(bare, 4)},
        "client_share_s": statistics.median(diffs),
        "client_share_ci_s": [lo, hi],
        "server_share_s": med(bare, 0) - med(bare, 3),
        "cpu_ratio": med(ours, 2) / med(bare, 2),
    }


if __name__ == "__main__":
    main()
