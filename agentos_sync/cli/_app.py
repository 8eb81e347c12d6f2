"""The ``agentos-sync`` click application: commands, configuration, exit codes."""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

import click
from rich.table import Table

from .. import _waits, errors, events
from .._version import __version__
from ..client import AgentOSClient
from ..models import RunAccepted, RunOutput
from ..streams import RunStream
from ._config import (
    DEFAULT_BASE_URL,
    META,
    Settings,
    client_for,
    connection_options,
    env,
    make_client,
    settings,
)
from ._render import EventPrinter, Output, dump_json, summary_line, tokens_of_output

__all__ = [
    "DEFAULT_BASE_URL",
    "EXIT_AUTH",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUN_FAILED",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "cli",
    "main",
]

#: Exit codes (documented in ``agentos-sync --help``).
EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_INTERRUPTED = 130

KINDS = ("agent", "team", "workflow")


# -- errors and exit codes -------------------------------------------------------------------------


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception of the client."""
    if isinstance(exc, (errors.AuthenticationError, errors.PermissionDeniedError)):
        return EXIT_AUTH
    if isinstance(exc, (errors.APIConnectionError, errors.StreamInterruptedError, errors.ReconnectExhaustedError)):
        return EXIT_UNREACHABLE
    if isinstance(
        exc,
        (errors.NotFoundError, errors.BadRequestError, errors.UnprocessableEntityError, errors.RunNotFoundError),
    ):
        return EXIT_USAGE
    return EXIT_RUN_FAILED


def report(ctx: Optional[click.Context], exc: errors.AgentOSError, output: Optional[Output] = None) -> int:
    """Print what went wrong and what to do (never a traceback); return the exit code."""
    out = output or Output()
    out.error(exc.message)
    code = exit_code_for(exc)
    config: Optional[Settings] = ctx.meta.get(META + "settings") if ctx is not None else None
    where = config.base_url if config is not None else "the server"
    if code == EXIT_AUTH:
        if config is not None and config.api_key is None:
            out.hint("this AgentOS needs an API key: pass --api-key KEY or set AGENTOS_API_KEY")
        else:
            out.hint("the API key was refused: check --api-key / AGENTOS_API_KEY (the server's OS_SECURITY_KEY)")
    elif isinstance(exc, errors.APIConnectionError) and not isinstance(exc, errors.APITimeoutError):
        if not exc.reached_server:
            out.hint(
                f"is AgentOS running at {where}? Point --base-url or AGENTOS_URL at it, "
                "or start a fake one with: agentos-sync serve-fake"
            )
    elif isinstance(exc, errors.NotFoundError):
        out.hint("list what exists with: agentos-sync agents | teams | workflows")
    return code


class _CLI(click.Group):
    """The group: maps the client's exceptions and Ctrl-C to the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            Output().note("Interrupted.")
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except errors.AgentOSError as exc:
            # ctx.meta is shared by the whole context chain: the subcommand's settings are here.
            raise click.exceptions.Exit(report(ctx, exc)) from None
        except ValueError as exc:  # the client's argument checks (an id with spaces, ...)
            Output().error(str(exc))
            raise click.exceptions.Exit(EXIT_USAGE) from None


# -- logging -------------------------------------------------------------------------------------


class _EchoHandler(logging.Handler):
    """The library's log as dim lines on stderr. Only with -v: by default the commands report
    reconnects themselves (through ``on_reconnect``), at the right place in the output."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = f"{record.levelname.lower()}: {record.getMessage()}"
        except Exception:  # pragma: no cover - a broken log call must not break the command
            self.handleError(record)
            return
        click.echo(click.style(message, dim=True), err=True)


def _setup_logging(ctx: click.Context, verbose: int) -> None:
    logger = logging.getLogger("agentos_sync")
    handler = _EchoHandler()
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR)
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

    ctx.call_on_close(restore)


# -- the group -------------------------------------------------------------------------------------

_HELP = f"""\
Run AgentOS agents, teams and workflows from the command line, with agentos_sync.

\b
Try it with no server of your own:
  agentos-sync demo                          the "Running Agents" flows on an embedded fake AgentOS
  agentos-sync demo --base-url URL           the same flows against a real AgentOS

The commands that take KIND (run, resume, runs, get-run, wait, cancel): KIND is agent, team
or workflow.

\b
Configuration: flags, then the environment, then defaults.
  --base-url URL    AGENTOS_URL       default {DEFAULT_BASE_URL}
  --api-key KEY     AGENTOS_API_KEY   default none (the key is never printed)
Connection options go before or after the command name.

\b
Exit codes:
  0    done (the run completed)
  1    the run failed (RunError, cancelled, paused, wait timed out) or the server failed
  2    usage: bad arguments, or the server rejected them (unknown id 404, 400, 422)
  3    cannot reach the server (refused, timeout, a dropped stream that could not resume)
  4    authentication: missing or wrong API key (401, 403)
  130  interrupted (Ctrl-C); a background stream is detached and the command to resume it
       is printed
"""


@click.group(cls=_CLI, help=_HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="agentos-sync", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="Show the client's debug log (requests sent) on stderr.")
@connection_options()
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    _setup_logging(ctx, verbose)


# -- demo and serve-fake ---------------------------------------------------------------------------


@cli.command(short_help="Walk through the client's flows (fake or real AgentOS).")
@connection_options("A real AgentOS to run the demo against [default: an embedded fake one; AGENTOS_URL is not read].")
@click.option(
    "--agent", "agent_id", default=None, metavar="ID", help="Agent to run [default: assistant, else the first one]."
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0.0, max=1.0),
    default=0.025,
    show_default=True,
    metavar="SECONDS",
    help="Pause between streamed events on the embedded server, so streaming is visible.",
)
@click.pass_context
def demo(ctx: click.Context, agent_id: Optional[str], delay: float) -> None:
    """Walk through the AgentOS "Running Agents" flows with this client.

    \b
    1. a non-streaming run: run id, content, tokens;
    2. a streaming run, printed as it arrives;
    3. a background stream that disconnects after 5 events and resumes via /resume,
       printing the catch_up / replay / subscribed meta events;
    4. a background stream whose connection is cut twice and still delivers every event.

    Without --base-url it starts an embedded fake AgentOS on a loopback port, so the real HTTP
    transport runs end to end (AGENTOS_URL is ignored here: the demo needs no server of yours).
    With --base-url it runs the same flows against that AgentOS; the cuts of flow 4 need the
    fake server, so against a real one that flow runs without them. Exits 1 if a check fails.
    """
    from ._demo import run_demo

    config = settings(ctx, use_env_url=False)
    real = ctx.meta.get(META + "base_url") is not None
    output = Output()
    try:
        ok = run_demo(ctx, output, config, real=real, agent_id=agent_id, delay=delay)
    finally:
        output.close()  # an error is reported on a fresh line
    if not ok:
        ctx.exit(EXIT_RUN_FAILED)


@cli.command("serve-fake", short_help="Serve a fake AgentOS, for developing without agno.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7777,
    show_default=True,
    help="Port (AgentOS's default, so the other commands find it with no flags); 0: any free port.",
)
@click.option(
    "--event-delay",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Pause between streamed events (to watch streaming, or test a slow server).",
)
@click.option(
    "--security-key",
    default=None,
    metavar="KEY",
    help="Require Authorization: Bearer KEY, like AgentOS with OS_SECURITY_KEY [default: $OS_SECURITY_KEY].",
)
def serve_fake(host: str, port: int, event_delay: float, security_key: Optional[str]) -> None:
    """Serve a fake AgentOS (agentos_sync.testing.FakeAgentOS) until Ctrl-C.

    For developing a Django or Flask app against the client without agno or an LLM: agents
    "assistant" and "writer", team "duo", workflow "pipeline"; background runs, /resume and
    sessions behave as in AgentOS. Ctrl-C (or SIGTERM) stops it and exits 0.
    """
    from ..testing._demo import build_fake

    key = security_key or env("OS_SECURITY_KEY")
    fake = build_fake(security_key=key)
    try:
        server = fake.serve(host, port, event_delay=event_delay)
    except OSError as exc:
        Output().error(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port (0: any free port)"
        )
        raise click.exceptions.Exit(EXIT_USAGE) from None
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    out = Output()
    try:
        out.line(f"Fake AgentOS serving on {server.url}")
        out.note("agents: assistant, writer; team: duo; workflow: pipeline" + ("; requires an API key" if key else ""))
        out.note(f"use it with: export AGENTOS_URL={server.url}    (Ctrl-C to stop)")
        _waits.wait(stop)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    out.note("stopped")


# -- listing -----------------------------------------------------------------------------------------


def _model_name(item: Any) -> str:
    model = getattr(item, "model", None)
    if model is None:
        return ""
    name = model.model or model.name or ""
    return f"{model.provider}/{name}" if model.provider and name else str(name)


def _print_components(items: Sequence[Any], as_json: bool, plural: str) -> None:
    out = Output(json_mode=as_json)
    if as_json:
        out.json_line("[" + ",".join(dump_json(i) for i in items) + "]")
        return
    if not items:
        out.note(f"no {plural}")
        return
    if out.tty:
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in ("ID", "NAME", "MODEL", "DESCRIPTION"):
            table.add_column(column, overflow="fold")
        for i in items:
            table.add_row(i.id or "", i.name or "", _model_name(i), (i.description or "").strip())
        out.out.print(table)
        return
    for i in items:
        # Tab-separated when piped: `agentos-sync agents | cut -f1`.
        fields = (i.id or "", i.name or "", _model_name(i), " ".join((i.description or "").split()))
        out.line("\t".join(fields))


_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_F = TypeVar("_F", bound=Callable[..., Any])


def wait_timeout_option(help: str) -> Callable[[_F], _F]:
    """``--timeout SECONDS`` (into ``wait_timeout``) of the commands that wait for the server."""
    return click.option(
        "--timeout",
        "wait_timeout",
        type=click.FloatRange(min=0.1),
        default=120.0,
        show_default=True,
        metavar="SECONDS",
        help=help,
    )


@cli.command()
@connection_options()
@_json_option
@click.pass_context
def agents(ctx: click.Context, as_json: bool) -> None:
    """List the agents (id, name, model, description)."""
    _print_components(client_for(ctx).list_agents(), as_json, "agents")


@cli.command()
@connection_options()
@_json_option
@click.pass_context
def teams(ctx: click.Context, as_json: bool) -> None:
    """List the teams (id, name, model, description)."""
    _print_components(client_for(ctx).list_teams(), as_json, "teams")


@cli.command()
@connection_options()
@_json_option
@click.pass_context
def workflows(ctx: click.Context, as_json: bool) -> None:
    """List the workflows (id, name, description)."""
    _print_components(client_for(ctx).list_workflows(), as_json, "workflows")


# -- runs --------------------------------------------------------------------------------------------

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


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The ``agentos-sync`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="agentos-sync")
