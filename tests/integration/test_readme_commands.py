"""The README's shell commands, run as written, each section in a fresh copy of the checkout:

- "Set-up (fresh machine)": a venv, then ``pip install -e ".[cli]" && agentos-sync demo``, which
  streams answers from the embedded fake (its last line: "All checks passed"); then mypy and
  pyright check a user's script against that editable install and must see the package's types;
- "Install": from the checkout (``.``, ``.[cli,django,flask]``, ``.[agentos]``), then a wheel built
  with ``python -m build`` and installed with the ``cli`` extra;
- "A real AgentOS in five minutes": a venv, the install, the example server, and a streamed answer
  from a real AgentOS on the deterministic fake model; then the secured server beside it, which
  must answer the right key and refuse a wrong one and none (from that ``.[cli,agentos]`` venv).

What is added to the README's commands, and why: each section runs in a copy of the checkout (as a
fresh clone would be, so that venvs, dist/ and agentos.db land there, not in the work tree); the
Install section, which assumes the venv of the Set-up, gets one first; ``bash .ci/run`` (this very
suite) is left out; ``AGENTOS_PORT``/``AGENTOS_URL`` move the server and the CLI off 7777 together
(tests run side by side); after a line that starts a server in the background comes a wait for its
port (what a reader does when they see its start-up line); and the process group is ended after.
"""

from __future__ import annotations

import contextlib
import os
import re
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
VENV = "python -m venv .venv && . .venv/bin/activate"


def section_commands(heading: str) -> List[str]:
    """The command lines of the bash blocks of one README section (up to the next heading)."""
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    tokens = MarkdownIt("commonmark").parse(text[start : end if end > 0 else len(text)])
    lines = [line for t in tokens if t.type == "fence" and t.info == "bash" for line in t.content.splitlines()]
    return [line for line in lines if line.strip() and line.strip() != "bash .ci/run"]


def copy_checkout(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def wait_for_port(port: int) -> str:
    return (
        "python -c 'import socket, time\n"
        "for _ in range(600):\n"
        f'    try: socket.create_connection(("127.0.0.1", {port}), 1).close(); break\n'
        "    except OSError: time.sleep(0.1)\n"
        'else: raise SystemExit("the AgentOS did not start listening in 60 s")\''
    )


def run_commands(lines: List[str], tmp_path: Path) -> str:
    """Run the lines in one bash, in a copy of the checkout; returns the output, fails on an error."""
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    port = free_port()
    script = ["set -euo pipefail"]
    for line in lines:
        script.append(line)
        if re.search(r"&\s*(#.*)?$", line):
            moved = re.search(r"AGENTOS_PORT=(\d+)", line)
            script.append(wait_for_port(int(moved.group(1)) if moved else port))
    env = dict(os.environ, AGENTOS_PORT=str(port), AGENTOS_URL=f"http://localhost:{port}")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONPATH", None)  # the venv's own install must be what runs, not this work tree
    env.pop("VIRTUAL_ENV", None)
    log = tmp_path / "commands.log"
    # A file, not a pipe: a server left running in the background holds the output open, and the
    # test waits for the shell, not for an end of file that comes only when the server stops.
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
        # A server runs in the background of that shell: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    output = log.read_text()
    assert proc.returncode == 0, "the README's commands failed:\n" + "\n".join(script) + "\n" + output[-4000:]
    return output


@pytest.mark.timeout(700)  # a fresh venv installs the package and its dependencies
def test_the_readme_set_up_streams_answers_from_the_embedded_fake(tmp_path: Path) -> None:
    lines = section_commands("## Set-up (fresh machine)")
    assert lines == [VENV, 'python -m pip install -e ".[cli]" && agentos-sync demo']
    output = run_commands(lines, tmp_path)
    assert "All checks passed" in output and "Response: " in output, output[-4000:]
    assert_types_reach_a_user_script(tmp_path / "checkout" / ".venv" / "bin" / "python", tmp_path)


USER_SCRIPT = """from agentos_sync import AgentOSClient, RunOutput

client = AgentOSClient("http://localhost:7777")
out: RunOutput = client.agents.run("assistant", "Hi")
wrong: int = client.agents.run("assistant", "Hi")
reveal_type(client.agents.stream)
"""


def assert_types_reach_a_user_script(venv_python: Path, tmp_path: Path) -> None:
    """mypy and pyright, pointed at the venv of the README's editable install, check a user's
    script with the package's own types: the one wrong annotation is found, the rest is clean."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "app.py").write_text(USER_SCRIPT)
    checks = {
        "mypy": [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(venv_python), "app.py"],
        "pyright": [sys.executable, "-m", "pyright", "--pythonpath", str(venv_python), "app.py"],
    }
    for name, command in checks.items():
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        result = subprocess.run(command, cwd=user, env=env, capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        errors = [line for line in output.splitlines() if "error" in line.lower() and ":" in line]
        assert len(errors) == 1 and ":5:" in errors[0] and "RunOutput" in errors[0], f"{name}:\n{output}"
        assert "background: bool" in output and "RunStream" in output, f"{name}:\n{output}"


@pytest.mark.timeout(700)
def test_the_readme_install_works_from_the_checkout_and_from_a_wheel(tmp_path: Path) -> None:
    lines = section_commands("## Install")
    assert any("python -m build" in line for line in lines) and any(".[cli,django,flask]" in line for line in lines)
    # Then what the installs promise: the command, and the Django and Flask helpers.
    check = "python -c 'import agentos_sync.contrib.django, agentos_sync.contrib.flask'"
    output = run_commands([VENV, *lines, "agentos-sync demo", check], tmp_path)
    assert "All checks passed" in output, output[-4000:]
    assert list((tmp_path / "checkout" / "dist").glob("agentos_sync-*-py3-none-any.whl"))


def secured_checks(port: int) -> List[str]:
    """What the secured server must do, from the venv of the README's install (``.[cli,agentos]``
    only): answer the right key (a run too, not only a list), refuse a wrong key and none with 401."""
    script = f"""python - <<'EOF'
from agentos_sync import AgentOSClient, AuthenticationError
url = "http://localhost:{port}"
assert AgentOSClient(url, api_key="s3cret").agents.run("assistant", "What is 2 + 2?").content == "2 + 2 = 4."
for key in ("wrong", None):
    try:
        AgentOSClient(url, api_key=key).agents.list()
    except AuthenticationError as exc:
        assert exc.status_code == 401, exc
    else:
        raise SystemExit(f"the secured server answered api_key={{key!r}}")
print("secured: right key answered, wrong key and no key refused")
EOF"""
    no_key_exit = f'rc=0; AGENTOS_URL=http://localhost:{port} agentos-sync agents || rc=$?; [ "$rc" = 4 ]'
    return [script, no_key_exit]


@pytest.mark.timeout(700)
def test_the_readme_recipe_serves_a_real_agentos_that_streams_an_answer(tmp_path: Path) -> None:
    secure_port = free_port()
    lines = section_commands("## A real AgentOS in five minutes")
    # The first block is the recipe; the second starts the server on a real model, which needs a
    # key; the third starts a secured one beside the first (on a free port here, not 7778).
    real_model = next(i for i, line in enumerate(lines) if line.startswith("AGENTOS_MODEL="))
    secured = [line.replace("7778", str(secure_port)) for line in lines[real_model + 1 :]]
    lines = lines[:real_model]
    assert lines[0] == VENV and any(line.rstrip().split("#")[0].rstrip().endswith("&") for line in lines)
    assert secured and secured[0].startswith("OS_SECURITY_KEY=s3cret ") and "AGENTOS_API_KEY=s3cret" in secured[1]
    output = run_commands([*lines, *secured, *secured_checks(secure_port)], tmp_path)
    assert "2 + 2 = 4." in output, output[-4000:]
    assert "secured: right key answered, wrong key and no key refused" in output, output[-4000:]
    assert "completed  run_id=" in output, output[-4000:]
    assert (tmp_path / "checkout" / ".venv" / "bin" / "agentos-sync").exists()
    assert (tmp_path / "checkout" / "agentos.db").exists()  # the runs were stored: what /resume replays
