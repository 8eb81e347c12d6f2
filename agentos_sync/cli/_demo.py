"""``agentos-sync demo`` (its fake server, shared with ``serve-fake``, is
``agentos_sync.testing._demo.build_fake``).

The demo walks through the flows of the AgentOS "Running Agents" guide with this client, against
an embedded `FakeAgentOS` served over real loopback HTTP (so the real
``RequestsTransport`` runs end to end), or against a real AgentOS with ``--base-url``.
"""

from __future__ import annotations

import contextlib
import time
from typing import List, Optional

import click
from rich.text import Text

from .. import events
from ..client import AgentOSClient
from ..models import RunMetrics
from ..testing import FakeAgentOS
from ..testing._demo import AUTO_RESUME, DISCONNECT, NON_STREAMING, STREAMING, build_fake
from ._config import Settings, make_client
from ._render import Output, tokens_of_output

__all__ = ["run_demo"]

#: How many events the fake run produces while the demo is disconnected (the fake only moves
#: when asked; a real server's run simply goes on).
_AWAY_EVENTS = 3


class _Demo:
    def __init__(self, out: Output, client: AgentOSClient, agent_id: str, fake: Optional[FakeAgentOS]) -> None:
        self.out = out
        self.client = client
        self.agent_id = agent_id
        self.fake = fake
        self.failures: List[str] = []

    # -- printing ------------------------------------------------------------------------------
    def section(self, title: str) -> None:
        self.out.end_line()
        self.out.out.print()
        self.out.out.rule(Text(title, style="bold cyan"), align="left")

    def kv(self, key: str, value: object) -> None:
        self.out.end_line()
        self.out.out.print(Text.assemble((f"{key}: ", "bold"), str(value)))

    def say(self, text: str, style: str = "dim") -> None:
        self.out.line(text, style)

    def check(self, ok: bool, what: str) -> None:
        if ok:
            self.out.line(f"✓ {what}", "green")
        else:
            self.out.line(f"✗ {what}", "bold red")
            self.failures.append(what)

    def show_event(self, ev: events.RunEvent) -> None:
        if isinstance(ev, events.StreamMetaEvent):
            self.out.line(f"  <{ev.event}> {ev.message or ev.status or ''}".rstrip(), "bold yellow")
            return
        content = f" {ev.content!r}" if isinstance(ev, events.RunContentEvent) and ev.content else ""
        self.out.line(f"  [{ev.event_index}] {ev.event}{content}")

    @staticmethod
    def tokens(ev: Optional[events.RunEvent]) -> object:
        metrics = getattr(ev, "metrics", None)
        total = metrics.total_tokens if isinstance(metrics, RunMetrics) else None
        return total if total is not None else "n/a"

    def check_exactly_once(self, indices: List[int], text: List[str], final: Optional[events.RunEvent]) -> None:
        increasing = all(b > a for a, b in zip(indices, indices[1:]))
        self.check(
            bool(indices) and increasing,
            f"{len(indices)} events, event_index unique and increasing ({indices[0] if indices else '-'}"
            f"..{indices[-1] if indices else '-'})",
        )
        joined = "".join(text)
        self.check(
            final is not None and isinstance(final, events.RunCompletedEvent) and joined == final.content,
            "the joined RunContent text equals the RunCompleted content",
        )

    # -- the flows -------------------------------------------------------------------------------
    def non_streaming(self) -> None:
        self.section("1. Non-streaming run")
        started = time.monotonic()
        result = self.client.run_agent(self.agent_id, NON_STREAMING)
        self.kv("Run ID", result.run_id)
        self.kv("Content", result.content)
        tokens = tokens_of_output(result)
        self.kv("Tokens", tokens if tokens is not None else "n/a")
        self.kv("Duration", f"{time.monotonic() - started:.2f}s")
        self.check(bool(result.content) and (result.status or "COMPLETED").upper() == "COMPLETED", "run completed")

    def streaming(self) -> None:
        self.section("2. Streaming run, printed as it arrives")
        self.out.write("Response: ", "bold")
        final: Optional[events.RunEvent] = None
        text: List[str] = []
        with self.client.run_agent_stream(self.agent_id, STREAMING) as stream:
            for ev in stream:
                if isinstance(ev, events.RunContentEvent) and ev.content:
                    text.append(str(ev.content))
                    self.out.answer(str(ev.content))
            final = stream.terminal_event
        self.out.end_line()
        self.kv("Run ID", stream.run_id)
        self.kv("Tokens", self.tokens(final))
        self.check(
            isinstance(final, events.RunCompletedEvent) and "".join(text) == final.content,
            "streamed text equals the RunCompleted content",
        )

    def disconnect_and_resume(self) -> None:
        self.section("3. Background stream: disconnect after 5 events, resume via /resume")
        indices: List[int] = []
        text: List[str] = []

        def record(ev: events.RunEvent) -> None:
            if ev.event_index is not None:
                indices.append(ev.event_index)
            if isinstance(ev, events.RunContentEvent) and ev.content:
                text.append(str(ev.content))

        stream = self.client.run_agent_stream(self.agent_id, DISCONNECT, background=True)
        try:
            for ev in stream:
                self.show_event(ev)
                record(ev)
                if ev.event_index is not None and ev.event_index >= 4:
                    break
        finally:
            stream.close()
        run_id, session_id, last = stream.run_id, stream.session_id, stream.last_event_index
        self.say(f"Disconnected after event_index {last}; run {run_id} goes on on the server.")
        if run_id is None:
            self.check(False, "the run reported its id")
            return
        if self.fake is not None:
            with contextlib.suppress(KeyError):
                self.fake.advance_run(run_id, _AWAY_EVENTS)
        self.say(f"Resuming: POST /agents/{self.agent_id}/runs/{run_id}/resume with last_event_index={last}")
        final: Optional[events.RunEvent] = None
        metas: List[str] = []
        resumed = self.client.resume_run_stream(self.agent_id, run_id, last_event_index=last, session_id=session_id)
        with resumed:
            for ev in resumed:
                self.show_event(ev)
                if isinstance(ev, events.StreamMetaEvent):
                    metas.append(ev.event)
                    continue
                record(ev)
            final = resumed.terminal_event
        self.kv("Content", final.content if final is not None else None)
        self.check(bool(metas), f"the server explained the resume ({', '.join(metas) or 'no meta event'})")
        self.check_exactly_once(indices, text, final)

    def auto_resume(self) -> None:
        self.section("4. Background stream cut twice: the client resumes by itself")
        if self.fake is not None:
            self.fake.faults.cut(after_events=4, times=2, path=f"/agents/{self.agent_id}/runs")
            self.say("The embedded server will cut this stream's connection twice, 4 events in each time.")
        else:
            self.say("Fault injection needs the embedded fake server: against a real AgentOS this flow runs uncut.")
        indices: List[int] = []
        text: List[str] = []

        def reconnected(meta: events.StreamMetaEvent) -> None:
            after = indices[-1] if indices else None
            self.out.line(
                f"  ↻ connection cut after event_index {after}; resumed: <{meta.event}> {meta.message or ''}".rstrip(),
                "bold yellow",
            )

        self.out.write("Response: ", "bold")
        with self.client.run_agent_stream(
            self.agent_id, AUTO_RESUME, background=True, on_reconnect=reconnected
        ) as stream:
            for ev in stream:
                if ev.event_index is not None:
                    indices.append(ev.event_index)
                if isinstance(ev, events.RunContentEvent) and ev.content:
                    text.append(str(ev.content))
                    self.out.answer(str(ev.content))
            final = stream.terminal_event
        self.out.end_line()
        self.kv("Run ID", stream.run_id)
        self.kv("Reconnects", stream.reconnects)
        self.kv("Tokens", self.tokens(final))
        if self.fake is not None:
            self.check(stream.reconnects == 2, "the stream was resumed twice, transparently")
        self.check_exactly_once(indices, text, final)


def run_demo(
    ctx: click.Context,
    out: Output,
    config: Settings,
    *,
    real: bool,
    agent_id: Optional[str],
    delay: float,
) -> bool:
    """Run the four flows; True when every check passed."""
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        fake: Optional[FakeAgentOS] = None
        if real:
            out.line(f"AgentOS at {config.base_url}", "bold")
        else:
            fake = build_fake()
            server = stack.enter_context(fake.serve(event_delay=delay))
            config = Settings(base_url=server.url, api_key=None, read_timeout=config.read_timeout, key_from_flag=False)
            out.line(f"Embedded fake AgentOS at {server.url}", "bold")
            out.line("(real HTTP over loopback: the client's RequestsTransport runs end to end)", "dim")
        client = make_client(ctx, config)
        stack.callback(client.close)
        cfg = client.get_config()
        names = [a.id for a in cfg.agents if a.id]
        out.line(
            f"Agents: {', '.join(names) or '-'}; teams: {', '.join(t.id or '' for t in cfg.teams) or '-'}; "
            f"workflows: {', '.join(w.id or '' for w in cfg.workflows) or '-'}",
            "dim",
        )
        chosen = agent_id or ("assistant" if "assistant" in names else names[0] if names else None)
        if chosen is None:
            out.error("this AgentOS serves no agents; pass --agent ID")
            return False
        out.line(f"Running agent: {chosen}", "bold")
        demo = _Demo(out, client, chosen, fake)
        demo.non_streaming()
        demo.streaming()
        demo.disconnect_and_resume()
        demo.auto_resume()
    out.end_line()
    out.out.print()
    elapsed = time.monotonic() - started
    if demo.failures:
        out.line(f"{len(demo.failures)} check(s) failed in {elapsed:.1f}s: {'; '.join(demo.failures)}", "bold red")
        return False
    out.line(f"All checks passed in {elapsed:.1f}s.", "bold green")
    return True
