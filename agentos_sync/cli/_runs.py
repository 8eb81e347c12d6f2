"""The run commands of ``agentos-sync``: ``run``, ``resume``, ``runs``, ``get-run``, ``wait`` and
``cancel``, with how a stream is printed and how its end becomes an exit code."""

from __future__ import annotations

import shlex
import sys
import time
from typing import Any, Dict, List, Optional

import click
from rich.table import Table

from .. import errors, events
from ..client import AgentOSClient
from ..models import RunAccepted, RunOutput
from ..streams import RunStream
from ._app import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    KINDS,
    _json_option,
    cli,
    report,
    wait_timeout_option,
)
from ._config import DEFAULT_BASE_URL, Settings, client_for, connection_options, make_client, settings
from ._render import EventPrinter, Output, dump_json, summary_line, tokens_of_output

_KIND = click.Choice(KINDS, case_sensitive=False)


def resume_command(
    config: Settings,
    kind: str,
    entity_id: str,
    run_id: str,
    last_event_index: Optional[int],
    session_id: Optional[str],
) -> str:
    """The exact ``agentos-sync resume`` command that re-attaches to a run (the key is never in it)."""
    parts = ["agentos-sync", "resume", kind, entity_id, run_id]
    if last_event_index is not None:
        parts += ["--last-event-index", str(last_event_index)]
    if session_id:
        parts += ["--session-id", session_id]
    if config.base_url != DEFAULT_BASE_URL:
        parts += ["--base-url", config.base_url]
    return " ".join(shlex.quote(p) for p in parts)


def _stream_and_report(
    ctx: click.Context,
    out: Output,
    printer: EventPrinter,
    stream: RunStream,
    *,
    kind: str,
    entity_id: str,
    config: Settings,
    resumable: bool,
) -> int:
    """Print a stream to its end; handle Ctrl-C and lost connections; return the exit code."""
    try:
        for ev in stream:
            printer.handle(ev)
    except KeyboardInterrupt:
        stream.close()
        out.stop_spinner()
        out.end_line()
        if resumable:
            _detach_hint(out, config, kind, entity_id, stream)
        else:
            out.note(
                "Interrupted: the stream was closed. A foreground run cannot be re-attached; "
                "use --background for runs you may want to detach from."
            )
        return EXIT_INTERRUPTED
    except errors.AgentOSError as exc:
        out.stop_spinner()
        out.end_line()
        code = report(ctx, exc, out)
        if isinstance(exc, errors.ReconnectExhaustedError) and exc.run_id:
            out.hint("the run may still be going on the server; resume it later with:")
            out.note("  " + resume_command(config, kind, entity_id, exc.run_id, exc.last_event_index, exc.session_id))
        return code
    finally:
        stream.close()
    out.stop_spinner()
    out.end_line()
    return _finish(ctx, out, printer, stream)


def _detach_hint(out: Output, config: Settings, kind: str, entity_id: str, stream: RunStream) -> None:
    if stream.run_id is None:
        out.note("Detached before the run reported its id; it may have started on the server.")
        if stream.session_id:
            out.note(f"  agentos-sync runs {kind} {entity_id} --session-id {shlex.quote(stream.session_id)}")
        return
    out.note(f"Detached from run {stream.run_id}; it goes on on the server. Re-attach with:")
    command = resume_command(config, kind, entity_id, stream.run_id, stream.last_event_index, stream.session_id)
    out.note("  " + command, "bold")
    if config.key_from_flag:
        out.note("  (add your --api-key again, or set AGENTOS_API_KEY)")


def _finish(ctx: click.Context, out: Output, printer: EventPrinter, stream: RunStream) -> int:
    terminal = stream.terminal_event
    duration = time.monotonic() - printer.started
    extra: Dict[str, Any] = {"reconnects": stream.reconnects} if stream.reconnects else {}
    if terminal is None:
        # The stream ended on a replay without the terminal event: ask the server.
        try:
            output = stream.get_final_output()
        except errors.RunFailedError as exc:
            out.error(exc.message)
            return EXIT_RUN_FAILED
        if not printer.answer_parts and output.content and not out.json_mode:
            out.answer(str(output.content))
            out.end_line()
        status = (output.status or "unknown").lower()
        tokens = tokens_of_output(output) if output.metrics else printer.tokens(None)
        out.note(
            summary_line(
                status,
                run_id=output.run_id,
                session_id=output.session_id,
                tokens=tokens,
                duration=duration,
                extra=extra,
            )
        )
        return EXIT_OK if status == "completed" else EXIT_RUN_FAILED
    name = terminal.event
    if not printer.answer_parts and terminal.content and not out.json_mode and name.endswith("Completed"):
        out.answer(terminal.content if isinstance(terminal.content, str) else str(terminal.content))
        out.end_line()
    status = (events.terminal_status(name) or "COMPLETED").lower()
    out.note(
        summary_line(
            status,
            run_id=stream.run_id,
            session_id=stream.session_id,
            tokens=printer.tokens(terminal),
            duration=duration,
            extra=extra,
        )
    )
    if status == "completed":
        return EXIT_OK
    if status == "error":
        message = terminal.content or getattr(terminal, "error", None) or "the run failed"
        out.error(f"run {stream.run_id} failed: {message}")
    elif status == "cancelled":
        out.error(f"run {stream.run_id} was cancelled")
    else:
        out.error(
            f"run {stream.run_id} is paused, waiting for a confirmation or input; continue it with the "
            "Python client (client.continue_agent_run / continue_team_run)"
        )
    return EXIT_RUN_FAILED


def _report_output(out: Output, output: RunOutput, duration: Optional[float], *, as_json: bool) -> int:
    """Print a stored or non-streamed run's result; the exit code follows its status."""
    status = (output.status or "completed").lower()
    if as_json:
        out.json_line(dump_json(output))
    elif output.content is not None and status != "error":
        content = output.content if isinstance(output.content, str) else dump_value(output.content)
        out.answer(content)
        out.end_line()
    if duration is None and output.metrics is not None:
        duration = output.metrics.duration
    out.note(
        summary_line(
            status,
            run_id=output.run_id,
            session_id=output.session_id,
            tokens=tokens_of_output(output),
            duration=duration,
        )
    )
    if status in ("completed", "running", "pending"):
        return EXIT_OK
    if status == "error":
        out.error(f"run {output.run_id} failed: {output.content or 'no detail'}")
    elif status == "cancelled":
        out.error(f"run {output.run_id} was cancelled")
    elif status == "paused":
        out.error(f"run {output.run_id} is paused, waiting for a confirmation or input")
    return EXIT_RUN_FAILED


def dump_value(value: Any) -> str:
    import json

    return json.dumps(value, default=str)


def _no_stream(
    ctx: click.Context,
    out: Output,
    client: AgentOSClient,
    kind: str,
    entity_id: str,
    message: str,
    *,
    background: bool,
    session_id: Optional[str],
    user_id: Optional[str],
    as_json: bool,
) -> int:
    started = time.monotonic()
    out.start_spinner(f"Running {kind} {entity_id}…")
    try:
        result = client.for_kind(kind).run(
            entity_id, message, background=background, session_id=session_id, user_id=user_id
        )
    finally:
        out.stop_spinner()
    if isinstance(result, RunAccepted):
        if as_json:
            out.json_line(dump_json(result))
        else:
            out.line(result.run_id)
        config = settings(ctx)
        out.note(f"accepted  run_id={result.run_id}  session_id={result.session_id or '-'}")
        session = f" --session-id {shlex.quote(result.session_id)}" if result.session_id else ""
        base = f" --base-url {shlex.quote(config.base_url)}" if config.base_url != DEFAULT_BASE_URL else ""
        out.note(f"wait for it with: agentos-sync wait {kind} {entity_id} {result.run_id}{session}{base}")
        return EXIT_OK
    assert isinstance(result, RunOutput)
    return _report_output(out, result, time.monotonic() - started, as_json=as_json)


@cli.command(short_help="Run an agent, team or workflow; stream the answer.")
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.argument("message")
@click.option("--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming it.")
@click.option(
    "--background",
    is_flag=True,
    help="Run in the background: the stream survives dropped connections, and Ctrl-C detaches "
    "(printing the command to resume). With --no-stream: print the run id and return at once.",
)
@click.option("--session-id", default=None, metavar="S", help="Continue this session [default: a new one].")
@click.option("--user-id", default=None, metavar="U", help="The user the run is for.")
@_json_option
@click.pass_context
def run(
    ctx: click.Context,
    kind: str,
    entity_id: str,
    message: str,
    no_stream: bool,
    background: bool,
    session_id: Optional[str],
    user_id: Optional[str],
    as_json: bool,
) -> None:
    """Run an agent, team or workflow and stream its answer to stdout as it arrives.

    MESSAGE "-" reads the message from stdin (a file, a heredoc, another command's output).

    On a terminal a spinner waits for the first token and tool calls and reasoning are shown
    inline, dim; when piped, stdout gets the answer only. A last line on stderr gives the
    status, run id, session id, tokens and duration. --json prints one JSON event per line.

    \b
    Examples:
      agentos-sync run agent assistant "What is 2 + 2?"
      agentos-sync run team duo "Plan a trip" --background
      agentos-sync run agent assistant "Hi" --json | jq -r .event
      agentos-sync run agent assistant - < question.txt
    """
    kind = kind.lower()
    if message == "-":
        message = sys.stdin.read()
    config = settings(ctx)
    client = make_client(ctx, config)
    out = Output(json_mode=as_json)
    if no_stream:
        code = _no_stream(
            ctx,
            out,
            client,
            kind,
            entity_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            as_json=as_json,
        )
        out.close()
        ctx.exit(code)
    printer = EventPrinter(out, kind)
    out.start_spinner(f"Waiting for {kind} {entity_id}…")
    stream: Optional[RunStream] = None
    try:
        stream = client.for_kind(kind).stream(
            entity_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            on_reconnect=lambda meta: out.note(
                f"reconnected after a dropped connection: <{meta.event}> {meta.message or ''}".rstrip()
            ),
        )
    except KeyboardInterrupt:
        out.stop_spinner()
        out.note("Interrupted before the run started streaming.")
        ctx.exit(EXIT_INTERRUPTED)
    finally:
        if stream is None:
            out.stop_spinner()
    assert stream is not None
    code = _stream_and_report(
        ctx, out, printer, stream, kind=kind, entity_id=entity_id, config=config, resumable=background
    )
    out.close()
    ctx.exit(code)


@cli.command(short_help="Re-attach to a background run's stream.")
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.argument("run_id")
@click.option(
    "--last-event-index",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="The last event_index you have; events after it are sent [default: from the start].",
)
@click.option(
    "--session-id", default=None, metavar="S", help="The run's session (lets the server find it in its database)."
)
@_json_option
@click.pass_context
def resume(
    ctx: click.Context,
    kind: str,
    entity_id: str,
    run_id: str,
    last_event_index: Optional[int],
    session_id: Optional[str],
    as_json: bool,
) -> None:
    """Re-attach to a background run's stream, after --last-event-index.

    The server first says how it resumes (catch_up: missed events follow, then live ones;
    replay: the run is over and its events are replayed; subscribed: live from here), shown on
    stderr. Ctrl-C detaches again and prints the command to come back.
    """
    kind = kind.lower()
    config = settings(ctx)
    client = make_client(ctx, config)
    out = Output(json_mode=as_json)
    printer = EventPrinter(out, kind)
    printer.run_id = run_id
    out.start_spinner(f"Re-attaching to run {run_id}…")
    stream: Optional[RunStream] = None
    try:
        stream = client.for_kind(kind).resume(
            entity_id,
            run_id,
            last_event_index=last_event_index,
            session_id=session_id,
            on_reconnect=lambda meta: out.note(
                f"reconnected after a dropped connection: <{meta.event}> {meta.message or ''}".rstrip()
            ),
        )
    finally:
        if stream is None:
            out.stop_spinner()
    assert stream is not None
    code = _stream_and_report(ctx, out, printer, stream, kind=kind, entity_id=entity_id, config=config, resumable=True)
    out.close()
    ctx.exit(code)


def _created(output: RunOutput) -> str:
    ts = output.created_timestamp
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts is not None else ""


@cli.command()
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.option("--session-id", required=True, metavar="S", help="The session whose runs to list.")
@click.option("--status", default=None, help="Only runs with this status (RUNNING, COMPLETED, ERROR, ...).")
@_json_option
@click.pass_context
def runs(ctx: click.Context, kind: str, entity_id: str, session_id: str, status: Optional[str], as_json: bool) -> None:
    """List the runs of an agent, team or workflow in a session."""
    kind = kind.lower()
    found: List[RunOutput] = client_for(ctx).for_kind(kind).list_runs(entity_id, session_id, status=status)
    out = Output(json_mode=as_json)
    if as_json:
        out.json_line("[" + ",".join(dump_json(r) for r in found) + "]")
        return
    if not found:
        out.note("no runs")
        return
    rows = [
        (r.run_id or "", (r.status or "").upper(), _created(r), " ".join(str(r.content or "").split())[:60])
        for r in found
    ]
    if out.tty:
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in ("RUN ID", "STATUS", "CREATED", "CONTENT"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        out.out.print(table)
    else:
        for row in rows:
            out.line("\t".join(row))


@cli.command("get-run", short_help="Show a run as the server stores it.")
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.argument("run_id")
@click.option("--session-id", required=True, metavar="S", help="The run's session (AgentOS looks runs up by session).")
@_json_option
@click.pass_context
def get_run(ctx: click.Context, kind: str, entity_id: str, run_id: str, session_id: str, as_json: bool) -> None:
    """Show a run as the server stores it: its content on stdout, its status line on stderr.

    Exits 0 whatever the run's status (use `wait` to wait for the end)."""
    kind = kind.lower()
    output: RunOutput = client_for(ctx).for_kind(kind).get_run(entity_id, run_id, session_id)
    out = Output(json_mode=as_json)
    _report_output(out, output, None, as_json=as_json)
    out.close()


@cli.command()
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.argument("run_id")
@click.option("--session-id", required=True, metavar="S", help="The run's session (AgentOS looks runs up by session).")
@wait_timeout_option("Give up (exit 1) if the run is not over by then.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds between polls.",
)
@_json_option
@click.pass_context
def wait(
    ctx: click.Context,
    kind: str,
    entity_id: str,
    run_id: str,
    session_id: str,
    wait_timeout: float,
    poll_interval: float,
    as_json: bool,
) -> None:
    """Poll a run until it is over; print its content. Exit 0 if it completed, 1 otherwise."""
    kind = kind.lower()
    client = client_for(ctx)
    out = Output(json_mode=as_json)
    started = time.monotonic()
    out.start_spinner(f"Waiting for run {run_id}…")
    try:
        output: RunOutput = client.for_kind(kind).wait(
            entity_id, run_id, session_id, timeout=wait_timeout, poll_interval=poll_interval
        )
    except errors.APITimeoutError as exc:
        if exc.request is not None:
            raise  # a network timeout, not the end of the wait
        out.error(exc.message)
        ctx.exit(EXIT_RUN_FAILED)
    finally:
        out.stop_spinner()
    code = _report_output(out, output, time.monotonic() - started, as_json=as_json)
    out.close()
    ctx.exit(code)


@cli.command(short_help="Ask the server to cancel a run.")
@connection_options()
@click.argument("kind", type=_KIND)
@click.argument("entity_id", metavar="ID")
@click.argument("run_id")
@click.pass_context
def cancel(ctx: click.Context, kind: str, entity_id: str, run_id: str) -> None:
    """Ask the server to cancel a run (its stream then ends with a cancelled event)."""
    kind = kind.lower()
    client_for(ctx).for_kind(kind).cancel(entity_id, run_id)
    Output().note(f"cancel requested for run {run_id}")
