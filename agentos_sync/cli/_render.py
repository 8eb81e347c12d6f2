"""Terminal output of the CLI.

stdout carries the data: the streamed answer, or one JSON object per line with ``--json``.
stderr carries everything about it: the spinner, the meta events of ``/resume``, reconnects, the
final summary line, hints and errors. On a terminal, tool calls and reasoning are shown inline
on stdout, dim and italic, so the answer reads in context; when stdout is a pipe they go to
stderr as plain lines, so a pipe receives the answer and nothing else.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

import click
from pydantic import BaseModel
from rich.console import Console
from rich.status import Status
from rich.text import Text

from .. import events
from ..models import RunMetrics, RunOutput

__all__ = ["EventPrinter", "Output", "dump_json", "tokens_of_output"]


def dump_json(model: BaseModel) -> str:
    """One model as one line of JSON (``None`` fields left out)."""
    return json.dumps(model.model_dump(mode="json", exclude_none=True), separators=(",", ":"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def _short(value: Any, limit: int = 80) -> str:
    text = " ".join(_text(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def tokens_of_output(output: RunOutput) -> Optional[int]:
    return output.metrics.total_tokens if output.metrics is not None else None


class Output:
    """The CLI's two channels, with line bookkeeping so that streamed text, side lines and notes
    never run into each other on a terminal where stdout and stderr share the screen."""

    def __init__(self, *, json_mode: bool = False) -> None:
        # No file given: rich resolves sys.stdout/sys.stderr at each write (click's test runner
        # swaps them per invocation).
        self.out = Console(highlight=False, soft_wrap=True, emoji=False)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
        self.json_mode = json_mode
        #: Styled, inline tool calls and reasoning on stdout (a terminal, and not --json).
        self.tty = self.out.is_terminal and not json_mode
        self._out_mid = False
        self._err_mid = False
        self._out_mode: Optional[str] = None
        self._status: Optional[Status] = None

    # -- spinner -----------------------------------------------------------------------------
    def start_spinner(self, message: str) -> None:
        """A spinner on stderr, on a terminal only, until `stop_spinner` or the first output."""
        if self.json_mode or not self.err.is_terminal or self._status is not None:
            return
        self._status = self.err.status(Text(message, style="dim"), spinner="dots")
        self._status.start()

    def stop_spinner(self) -> None:
        status, self._status = self._status, None
        if status is not None:
            status.stop()

    # -- stdout ------------------------------------------------------------------------------
    def _out_write(self, text: str, style: Optional[str], mode: str) -> None:
        if not text:
            return
        self.stop_spinner()
        if self._out_mid and self._out_mode != mode:
            click.echo("")
        if style and self.tty:
            self.out.print(Text(text, style=style), end="")
        else:
            click.echo(text, nl=False)
        self._out_mid = not text.endswith("\n")
        self._out_mode = mode

    def answer(self, text: str) -> None:
        """Streamed answer text, exactly as received."""
        self._out_write(text, None, "answer")

    def write(self, text: str, style: Optional[str] = None) -> None:
        """Inline text on stdout that the answer continues (a label such as "Response: ")."""
        self._out_write(text, style, "answer")

    def line(self, text: str = "", style: Optional[str] = None) -> None:
        """A whole line of data on stdout."""
        self.end_line()
        self._out_write(text + "\n", style, "line")

    def json_line(self, data: str) -> None:
        self.end_line()
        click.echo(data)

    def end_line(self) -> None:
        """Finish a half-written stdout line (an answer ends with a newline)."""
        if self._out_mid:
            click.echo("")
            self._out_mid = False
            self._out_mode = None

    # -- side channel (tool calls, reasoning, team members) ------------------------------------
    def side_delta(self, text: str, style: str = "dim italic") -> None:
        """Streamed side text (reasoning deltas, a team member's answer)."""
        if not text:
            return
        if self.tty:
            self._out_write(text, style, "side")
        else:
            self._err_write(text)

    def side_line(self, text: str, style: str = "dim italic") -> None:
        """One side line: a tool call, a reasoning step, a workflow step."""
        if self.tty:
            self.end_line()
            self._out_write(text + "\n", style, "side")
        else:
            self._err_end_line()
            self._err_write(text + "\n")

    # -- stderr ------------------------------------------------------------------------------
    def _err_write(self, text: str, style: Optional[str] = None) -> None:
        if not text:
            return
        self.stop_spinner()
        if style and self.err.is_terminal:
            self.err.print(Text(text, style=style), end="")
        else:
            click.echo(text, nl=False, err=True)
        self._err_mid = not text.endswith("\n")

    def _err_end_line(self) -> None:
        if self._err_mid:
            click.echo("", err=True)
            self._err_mid = False

    def note(self, text: str, style: str = "dim") -> None:
        """A line about the run (meta events, reconnects, the summary, hints) on stderr."""
        if self.tty:
            self.end_line()  # same screen: do not start a note in the middle of the answer
        self._err_end_line()
        self._err_write(text + "\n", style)

    def error(self, text: str) -> None:
        self.stop_spinner()
        if self.tty or self.err.is_terminal:
            self.end_line()
        self._err_end_line()
        self._err_write(f"error: {text}\n", "bold red")

    def hint(self, text: str) -> None:
        self.note(f"hint: {text}", "yellow")

    def close(self) -> None:
        self.stop_spinner()
        self.end_line()
        self._err_end_line()


class EventPrinter:
    """Renders the events of one run stream on an `Output` and keeps what the summary
    needs (terminal event, tokens reported by model requests, the answer text).

    ``kind`` is agent, team or workflow: an agent's answer is its ``RunContent``, a team's its
    ``TeamRunContent`` (members' content is side text), a workflow's the content of the agents
    its steps run (a workflow has no content events of its own).
    """

    def __init__(self, output: Output, kind: str) -> None:
        self.output = output
        self.kind = kind
        self.run_id: Optional[str] = None
        self.started = time.monotonic()
        self.model_tokens = 0
        self.saw_model_tokens = False
        self.answer_parts: List[str] = []
        self._reasoning_streamed = False
        self._member: Optional[str] = None
        self._step_run: Optional[str] = None

    def _own(self, ev: events.RunEvent) -> bool:
        return self.run_id is None or ev.run_id is None or ev.run_id == self.run_id

    def handle(self, ev: events.RunEvent) -> None:
        if self.run_id is None and not isinstance(ev, events.StreamMetaEvent):
            self.run_id = ev.run_id
        if (
            isinstance(ev, (events.ModelRequestCompletedEvent, events.TeamModelRequestCompletedEvent))
            and ev.total_tokens is not None
        ):
            self.model_tokens += ev.total_tokens
            self.saw_model_tokens = True
        out = self.output
        if out.json_mode:
            out.json_line(dump_json(ev))
            return
        if isinstance(ev, events.StreamMetaEvent):
            out.note(f"<{ev.event}> {ev.message or ev.status or ''}".rstrip())
            return
        if isinstance(ev, (events.RunContentEvent, events.TeamRunContentEvent)):
            self._content(ev)
        elif isinstance(ev, (events.ToolCallStartedEvent, events.TeamToolCallStartedEvent)):
            tool = ev.tool
            name = (tool.tool_name if tool else None) or "tool"
            args = ", ".join(f"{k}={v!r}" for k, v in ((tool.tool_args or {}) if tool else {}).items())
            out.side_line(f"[tool] {name}({_short(args, 100)})")
        elif isinstance(ev, (events.ToolCallCompletedEvent, events.TeamToolCallCompletedEvent)):
            tool = ev.tool
            name = (tool.tool_name if tool else None) or "tool"
            result = tool.result if tool is not None and tool.result is not None else ev.content
            out.side_line(f"[tool] {name} -> {_short(result)}")
        elif isinstance(ev, (events.ToolCallErrorEvent, events.TeamToolCallErrorEvent)):
            name = (ev.tool.tool_name if ev.tool else None) or "tool"
            out.side_line(f"[tool] {name} failed: {_short(ev.error or ev.content)}", "red italic")
        elif isinstance(ev, (events.ReasoningContentDeltaEvent, events.TeamReasoningContentDeltaEvent)):
            delta = getattr(ev, "reasoning_content", None)
            if delta:
                self._reasoning_streamed = True
                out.side_delta(str(delta))
        elif isinstance(ev, (events.ReasoningStepEvent, events.TeamReasoningStepEvent)):
            if not self._reasoning_streamed:
                out.side_line(f"[reasoning] {_short(self._step_text(ev), 200)}")
        elif isinstance(ev, events.StepStartedEvent):
            out.side_line(f"[step] {ev.step_name or ev.step_id or ''}".rstrip(), "bold dim")
        elif isinstance(ev, (events.RunPausedEvent, events.TeamRunPausedEvent)) and self._own(ev):
            names = ", ".join((t.tool_name or "tool") for t in (ev.tools or []))
            out.side_line(f"[paused] waiting for confirmation of: {names or 'a requirement'}", "yellow")

    @staticmethod
    def _step_text(ev: events.RunEvent) -> str:
        content = ev.content
        if isinstance(content, dict):
            title = content.get("title")
            body = content.get("reasoning") or content.get("result") or content.get("action")
            return ": ".join(str(p) for p in (title, body) if p) or _text(content)
        return _text(getattr(ev, "reasoning_content", None) or content)

    def _content(self, ev: events.RunEvent) -> None:
        out = self.output
        reasoning = getattr(ev, "reasoning_content", None)
        if reasoning:
            out.side_delta(str(reasoning))
        text = _text(ev.content)
        if not text:
            return
        if self.kind == "workflow":
            # Each step's agent streams its own answer: one paragraph per step.
            if self._step_run is not None and ev.run_id != self._step_run:
                out.end_line()
            self._step_run = ev.run_id
            self.answer_parts.append(text)
            out.answer(text)
            return
        is_team_event = isinstance(ev, events.TeamRunContentEvent)
        if self._own(ev) and is_team_event == (self.kind == "team"):
            self.answer_parts.append(text)
            out.answer(text)
            return
        # A team member's (or another nested run's) answer: side text, labelled once per member.
        member = getattr(ev, "agent_name", None) or ev.agent_id or "member"
        if member != self._member:
            self._member = member
            out.side_line(f"[{member}]", "bold dim")
        out.side_delta(text)

    def tokens(self, terminal: Optional[events.RunEvent]) -> Optional[int]:
        """Total tokens: the terminal event's metrics, else the sum of the model requests seen."""
        metrics = getattr(terminal, "metrics", None) if terminal is not None else None
        if isinstance(metrics, RunMetrics) and metrics.total_tokens is not None:
            return metrics.total_tokens
        if isinstance(metrics, dict) and isinstance(metrics.get("total_tokens"), int):
            return int(metrics["total_tokens"])
        return self.model_tokens if self.saw_model_tokens else None


def summary_line(
    status: str,
    *,
    run_id: Optional[str],
    session_id: Optional[str],
    tokens: Optional[int],
    duration: Optional[float],
    extra: Optional[Dict[str, Any]] = None,
) -> str:
    """``completed  run_id=... session_id=... tokens=25 duration=1.32s``: greppable key=value."""
    parts = [
        status.lower(),
        f"run_id={run_id or '-'}",
        f"session_id={session_id or '-'}",
        f"tokens={tokens if tokens is not None else 'n/a'}",
    ]
    if duration is not None:
        parts.append(f"duration={duration:.2f}s")
    for key, value in (extra or {}).items():
        parts.append(f"{key}={value}")
    return "  ".join(parts)
