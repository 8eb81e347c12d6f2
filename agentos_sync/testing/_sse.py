"""The one place where the fake server turns events into SSE bytes.

AgentOS writes run events with compact JSON (``separators=(",", ":")``, non-ASCII kept) and its
``/resume`` meta frames (``catch_up``, ``replay``, ``subscribed``, ``error``) with plain
``json.dumps`` (spaces after separators, ASCII-escaped): the captures in ``wire/`` show both, and
the fake keeps the difference so a client is tested against the bytes a real server sends.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

__all__ = ["comment_frame", "event_frame", "json_body", "meta_frame"]


def event_frame(event: Mapping[str, Any]) -> bytes:
    """``event: <Type>\\ndata: <compact JSON>\\n\\n`` for one run event."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.get('event') or 'message'}\ndata: {data}\n\n".encode()


def meta_frame(payload: Mapping[str, Any]) -> bytes:
    """A ``/resume`` meta frame (or an ``error`` frame), framed as AgentOS frames them."""
    return f"event: {payload['event']}\ndata: {json.dumps(payload)}\n\n".encode()


def comment_frame(text: str = "heartbeat") -> bytes:
    """An SSE comment line, what AgentOS sends as a keep-alive."""
    return f": {text}\n\n".encode()


def json_body(payload: Any) -> bytes:
    """A JSON response body as FastAPI's ``JSONResponse`` renders it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
