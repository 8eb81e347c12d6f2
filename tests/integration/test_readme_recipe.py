"""The README's "A real AgentOS in five minutes", run as written: a fresh venv, the install, the
example server, and a streamed answer from a real AgentOS on the deterministic fake model.

What is added to the README's commands, and why: the script runs in a copy of the checkout (as a
fresh clone would be, so that the venv and agentos.db land there, not in the work tree);
``AGENTOS_PORT``/``AGENTOS_URL`` move the server and the CLI off 7777 together (tests run side by
side); after the line that starts the server in the background comes a wait for its port (what a
reader does when they see the start-up line); and the whole process group is ended afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from markdown_it import MarkdownIt

from conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## A real AgentOS in five minutes"


def recipe() -> List[str]:
    """The command lines of the section's first bash block."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index(SECTION) :]
    fence = next(t for t in MarkdownIt("commonmark").parse(section) if t.type == "fence" and t.info == "bash")
    return [line for line in fence.content.splitlines() if line.strip()]


def copy_checkout(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@pytest.mark.timeout(700)  # a fresh venv installs agno and its dependencies (from pip's cache when warm)
def test_the_readme_recipe_serves_a_real_agentos_that_streams_an_answer(tmp_path: Path) -> None:
    lines = recipe()
    assert lines[0].startswith("python -m venv .venv") and any(line.endswith("&") or " & " in line for line in lines)
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    port = free_port()
    wait = (
        "python -c 'import socket, time\n"
        "for _ in range(600):\n"
        f'    try: socket.create_connection(("127.0.0.1", {port}), 1).close(); break\n'
        "    except OSError: time.sleep(0.1)\n"
        'else: raise SystemExit("the AgentOS did not start listening in 60 s")\''
    )
    script = ["set -euo pipefail"]
    for line in lines:
        script.append(line)
        if re.search(r"&\s*(#.*)?$", line):
            script.append(wait)
    env = dict(os.environ, AGENTOS_PORT=str(port), AGENTOS_URL=f"http://localhost:{port}")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)  # the venv's own install must be what runs, not this work tree
    env.pop("VIRTUAL_ENV", None)
    log = tmp_path / "recipe.log"
    # A file, not a pipe: the server left running in the background holds the output open, and
    # the test waits for the shell, not for an end of file that comes only when the server stops.
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bash", "-c", "\n".join(script)],
            cwd=checkout,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        proc.wait(timeout=600)
    finally:
        # The example server runs in the background of that shell: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    output = log.read_text()
    assert proc.returncode == 0, f"the recipe failed:\n{shlex.join(['bash', '-c', '...'])}\n{output[-4000:]}"
    assert "2 + 2 = 4." in output, output[-4000:]
    assert "completed  run_id=" in output, output[-4000:]
    assert (checkout / ".venv" / "bin" / "agentos-sync").exists()
    assert (checkout / "agentos.db").exists()  # the runs were stored: what /resume replays
