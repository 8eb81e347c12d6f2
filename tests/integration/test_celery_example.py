"""examples/celery_app end to end: gunicorn --preload serves the page, a prefork Celery worker runs
the task against the real AgentOS, Redis is broker, result backend and cache."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Dict, List

import requests
from _helpers import tokens
from _procs import ROOT, children, free_port, gunicorn_flags, spawn, stop, tail

EXAMPLE = ROOT / "examples" / "celery_app"


def test_the_page_enqueues_a_run_shows_its_progress_and_the_stored_answer(
    agentos: Any, redis_server: Any, tmp_path: Path
) -> None:
    redis_url = f"redis://127.0.0.1:{redis_server.port}/7"
    env = {
        "AGENTOS_URL": agentos.url,
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(EXAMPLE),
        "DJANGO_SETTINGS_MODULE": "celerydemo.settings",
    }
    port = free_port()
    celery = ["-m", "celery", "--workdir", str(EXAMPLE), "-A", "celerydemo", "worker", "--pool=prefork"]
    celery += [
        "--concurrency=2",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"ex-{port}@127.0.0.1",
    ]
    worker = spawn(celery, tmp_path / "worker.log", env=env)
    web_cmd = ["-m", "gunicorn", *gunicorn_flags(), "--preload", "-w", "2", "--chdir", str(EXAMPLE)]
    web_cmd += ["-b", f"127.0.0.1:{port}", "celerydemo.wsgi:application"]
    web = spawn(web_cmd, tmp_path / "web.log", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(
            lambda: len(children(web.pid)) == 2 and requests.get(url + "/", timeout=2).ok, 60, tmp_path / "web.log"
        )
        assert "<form" in requests.get(url + "/", timeout=5).text
        answer = requests.post(url + "/ask", data={"q": "[tokens=25 delay=0.05] a long answer"}, timeout=10)
        assert answer.status_code == 200 and "Answer" in answer.text  # followed the redirect to the run's page
        match = re.search(r"/runs/([0-9a-f-]+)$", answer.url)
        assert match, answer.url
        states: List[Dict[str, Any]] = []

        def finished() -> bool:
            states.append(requests.get(f"{url}/runs/{match.group(1)}/state.json", timeout=5).json())
            return bool(states[-1].get("done"))

        _wait_for(finished, 60, tmp_path / "worker.log", interval=0.1)
        final = states[-1]
        assert final["answer"] == final["text"] == tokens(25)
        partial = [s for s in states if not s.get("done") and s.get("events")]
        assert partial, "the page never saw the run in progress"
        assert all(tokens(25).startswith(s["text"]) for s in partial)
    finally:
        stop(web)
        stop(worker)


def _wait_for(predicate: Any, timeout: float, log: Path, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s:\n{tail(log)}")
        time.sleep(interval)
