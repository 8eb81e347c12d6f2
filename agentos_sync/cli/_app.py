"""The ``agentos-sync`` click application: commands, configuration, exit codes."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any, Callable, Optional, Sequence, TypeVar

import click
from rich.table import Table

from .. import _waits, errors
from .._version import __version__
from ._config import (
    DEFAULT_BASE_URL,
    META,
    Settings,
    client_for,
    connection_options,
    env,
    settings,
)
from ._render import Output, dump_json

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


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The ``agentos-sync`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="agentos-sync")
