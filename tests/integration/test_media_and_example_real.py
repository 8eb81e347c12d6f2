"""Media inputs and the Running Agents example, against the real AgentOS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

from agentos_sync import AgentOSClient

ROOT = Path(__file__).resolve().parents[2]
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff89993d1d0000000049454e44ae426082"
)


def _input(out: Any) -> Dict[str, Any]:
    recorded = (out.model_extra or {}).get("input")
    assert isinstance(recorded, dict), out
    return recorded


def test_file_upload_reaches_the_run(agentos: Any, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello notes")
    with AgentOSClient(agentos.url) as client:
        out = client.run_agent("assistant", "Describe this", files=[notes])
    assert out.status == "COMPLETED"
    (recorded,) = _input(out)["files"]
    assert (recorded["filename"], recorded["mime_type"], recorded["content"]) == (
        "notes.txt",
        "text/plain",
        "hello notes",
    )


def test_image_upload_and_image_url_field(agentos: Any) -> None:
    with AgentOSClient(agentos.url) as client:
        uploaded = client.run_agent("assistant", "Describe this", files=[("pixel.png", PNG_1PX, "image/png")])
        by_url = client.run_agent("assistant", "Describe this", images=[{"url": "http://127.0.0.1:9/cat.png"}])
    assert uploaded.status == "COMPLETED" and len(_input(uploaded)["images"]) == 1
    assert [i["url"] for i in _input(by_url)["images"]] == ["http://127.0.0.1:9/cat.png"]


def test_running_agents_example_against_the_real_server(agentos: Any) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_agents.py"), "--base-url", agentos.url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    # The guide's output shape: run id, content, tokens; a streamed answer; a resume with its meta.
    assert "Run ID: " in text and "Content: 2 + 2 = 4." in text and "Tokens: " in text
    assert "Response: Hello from the fake model." in text
    assert "Resuming..." in text and ("<replay>" in text or "<catch_up>" in text or "<subscribed>" in text)
    assert "Joined from stream: Hello from the fake model." in text
    assert "in order and unique: True" in text and "Joined content equals RunCompleted content: True" in text
