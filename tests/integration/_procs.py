"""Child processes of the Celery and gunicorn tests: started on loopback, killed with the test.

``spawn`` starts a command with this checkout first on ``PYTHONPATH`` (so workers import the code
under test, not an installed copy) and with PR_SET_PDEATHSIG, so a crashed pytest leaves no worker
behind; ``stop`` ends it by its pid and its group only.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Set

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: prctl(PR_SET_PDEATHSIG, SIGKILL): the child dies with the process that started it.
_DIE_WITH_PARENT = functools.partial(ctypes.CDLL("libc.so.6", use_errno=True).prctl, 1, signal.SIGKILL)


def spawn(cmd: List[str], log_path: Path, env: Optional[Dict[str, str]] = None) -> subprocess.Popen[bytes]:
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), full_env.get("PYTHONPATH", "")])
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, *cmd],
            cwd=str(HERE),
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_DIE_WITH_PARENT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """TERM the process group it leads (its own children: pool workers), then KILL if needed."""
    if proc.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
    # A pool child that outlived its master (killed with SIGKILL) is in the same group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def children(pid: int) -> Set[int]:
    """The live child pids of ``pid`` (Linux /proc)."""
    out: Set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.update(int(p) for p in fh.read().split())
    except OSError:
        pass
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, n: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def gunicorn_flags() -> List[str]:
    """Flags every test's gunicorn needs: gunicorn 24+ opens a control socket at one fixed path in
    the home directory, which concurrent test runs would fight over."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []
