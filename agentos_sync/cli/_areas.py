"""The everyday commands beyond runs: ``memories``, ``upload``, ``search``, ``sessions``, ``eval``.

Same conventions as the run commands: a table on a terminal, tab-separated lines when piped,
``--json`` for JSON; errors are one ``error:`` line plus a hint, with the documented exit codes
(the group maps the client's exceptions). Lists read lazily across pages up to ``--limit``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, TypeVar

import click
from rich.table import Table

from ._app import EXIT_RUN_FAILED, EXIT_USAGE, cli, wait_timeout_option
from ._config import client_for, connection_options
from ._render import Output, dump_json

T = TypeVar("T")

__all__ = ["eval_command", "memories", "search", "sessions", "upload"]

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_limit_option = click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Show at most this many (read page by page, as needed).",
)


def _one_line(text: Any, width: int = 70) -> str:
    return " ".join(str(text or "").split())[:width]


def _print_rows(out: Output, columns: Sequence[str], rows: Iterable[Tuple[str, ...]], empty: str) -> None:
    rows = list(rows)
    if not rows:
        out.note(empty)
        return
    if out.tty:
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        out.out.print(table)
        return
    for row in rows:
        out.line("\t".join(row))  # `agentos-sync memories | cut -f1`


def _print_json(out: Output, items: Iterable[Any]) -> None:
    out.json_line("[" + ",".join(dump_json(i) for i in items) + "]")


def _print_listing(
    page: Iterable[T],
    limit: int,
    as_json: bool,
    columns: Sequence[str],
    row: Callable[[T], Tuple[str, ...]],
    empty: str,
) -> None:
    """The first ``limit`` items of a list, as JSON or as a table (a note when there are none)."""
    found = list(itertools.islice(page, limit))
    out = Output(json_mode=as_json)
    if as_json:
        _print_json(out, found)
        return
    _print_rows(out, columns, (row(item) for item in found), empty)


@cli.command(short_help="List a user's memories, or search them.")
@connection_options()
@click.option("--user-id", default=None, metavar="U", help="Only this user's memories.")
@click.option("--topic", "topics", multiple=True, metavar="T", help="Only memories with this topic (repeatable).")
@click.option("--search", "search_content", default=None, metavar="TEXT", help="Only memories containing TEXT.")
@_limit_option
@_json_option
@click.pass_context
def memories(
    ctx: click.Context,
    user_id: Optional[str],
    topics: Tuple[str, ...],
    search_content: Optional[str],
    limit: int,
    as_json: bool,
) -> None:
    """List memories (id, user, topics, memory), newest first; --search TEXT finds the ones
    containing TEXT."""
    page = client_for(ctx).memories.list(
        user_id=user_id, topics=list(topics) or None, search_content=search_content, limit=min(limit, 100)
    )
    _print_listing(
        page,
        limit,
        as_json,
        ("MEMORY ID", "USER", "TOPICS", "MEMORY"),
        lambda m: (m.memory_id or "", m.user_id or "", ",".join(m.topics or []), _one_line(m.memory)),
        "no memories",
    )


@cli.command(short_help="Add a file, a URL or text to the knowledge base.")
@connection_options()
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default=None, help="Add the content at this URL instead of a file.")
@click.option("--text", default=None, help="Add this text instead of a file.")
@click.option("--name", default=None, help="The content's name [default: the file name].")
@click.option("--description", default=None, help="A description of the content.")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait until the server has processed it (exit 1 if processing failed).",
)
@wait_timeout_option("With --wait: how long to wait for the processing before giving up (exit 1).")
@_json_option
@click.pass_context
def upload(
    ctx: click.Context,
    path: Optional[str],
    url: Optional[str],
    text: Optional[str],
    name: Optional[str],
    description: Optional[str],
    wait: bool,
    wait_timeout: float,
    as_json: bool,
) -> None:
    """Upload PATH, --url or --text to the knowledge base; print its id."""
    if sum(x is not None for x in (path, url, text)) != 1:
        Output().error("give exactly one of PATH, --url or --text")
        ctx.exit(EXIT_USAGE)
    client = client_for(ctx)
    out = Output(json_mode=as_json)
    content = client.knowledge.upload(name=name, description=description, url=url, file=path, text_content=text)
    status, message = content.status or "", ""
    if wait and content.id:
        out.start_spinner(f"Processing {content.id}…")
        try:
            done = client.knowledge.wait(content.id, timeout=wait_timeout)
        finally:
            out.stop_spinner()
        status, message = done.status or "", done.status_message or ""
    if as_json:
        out.json_line(json.dumps({"id": content.id, "name": content.name, "status": status}))
    else:
        out.line(content.id or "")
        out.note(f"{status} {content.name or ''} {message}".strip())
    out.close()
    ctx.exit(EXIT_RUN_FAILED if status == "failed" else 0)


@cli.command(short_help="Search the knowledge base.")
@connection_options()
@click.argument("query")
@_limit_option
@_json_option
@click.pass_context
def search(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Search the knowledge base: the best matching chunks (name, content), best first."""
    page = client_for(ctx).knowledge.search(query, limit=min(limit, 100))
    hits = list(itertools.islice(page, limit))
    out = Output(json_mode=as_json)
    if as_json:
        _print_json(out, hits)
        return
    rows = ((h.content_id or "", h.name or "", _one_line(h.content)) for h in hits)
    _print_rows(out, ("CONTENT ID", "NAME", "CONTENT"), rows, "no results")


@cli.command(short_help="List sessions.")
@connection_options()
@click.option(
    "--type",
    "session_type",
    type=click.Choice(["agent", "team", "workflow"]),
    default=None,
    help="Only the sessions of agents, of teams or of workflows [default: every kind].",
)
@click.option("--component-id", default=None, metavar="ID", help="Only the sessions of this agent, team or workflow.")
@click.option("--user-id", default=None, metavar="U", help="Only this user's sessions.")
@_limit_option
@_json_option
@click.pass_context
def sessions(
    ctx: click.Context,
    session_type: Optional[str],
    component_id: Optional[str],
    user_id: Optional[str],
    limit: int,
    as_json: bool,
) -> None:
    """List sessions (id, type, name, user, updated), newest first."""
    page = client_for(ctx).sessions.list(
        session_type=session_type, component_id=component_id, user_id=user_id, limit=min(limit, 100)
    )
    _print_listing(
        page,
        limit,
        as_json,
        ("SESSION ID", "TYPE", "NAME", "USER", "UPDATED"),
        lambda s: (
            s.session_id or "",
            s.session_type or "",
            _one_line(s.session_name, 40),
            s.user_id or "",
            str(s.updated_at or ""),
        ),
        "no sessions",
    )


@cli.command("eval", short_help="Run an eval on an agent or a team.")
@connection_options()
@click.argument("eval_type", type=click.Choice(["accuracy", "agent_as_judge", "performance", "reliability"]))
@click.argument("entity_id", metavar="ID")
@click.argument("input_text", metavar="INPUT")
@click.option("--team", is_flag=True, help="ID is a team, not an agent.")
@click.option("--expected", "expected_output", default=None, help="The expected output (accuracy).")
@click.option("--expected-tool", "expected_tools", multiple=True, help="A tool the run must call (reliability).")
@click.option("--iterations", type=click.IntRange(min=1), default=1, show_default=True, help="Runs (performance).")
@_json_option
@click.pass_context
def eval_command(
    ctx: click.Context,
    eval_type: str,
    entity_id: str,
    input_text: str,
    team: bool,
    expected_output: Optional[str],
    expected_tools: Tuple[str, ...],
    iterations: int,
    as_json: bool,
) -> None:
    """Run an eval; print its id and results. Exit 0 when it passed, 1 when it failed."""
    target = {"team_id": entity_id} if team else {"agent_id": entity_id}
    result = client_for(ctx).evals.run(
        eval_type,
        input_text,
        expected_output=expected_output,
        expected_tool_calls=list(expected_tools) or None,
        num_iterations=iterations,
        **target,  # type: ignore[arg-type]
    )
    out = Output(json_mode=as_json)
    if result is None:
        out.note("the server stored no result for this eval")
        ctx.exit(0)
    data = result.eval_data or {}
    failed = _failed(eval_type, data)
    if as_json:
        out.json_line(dump_json(result))
    else:
        out.line(result.id or "")
        for line in _summary(eval_type, data):
            out.note(line)
    out.close()
    ctx.exit(EXIT_RUN_FAILED if failed else 0)


def _failed(eval_type: str, data: Any) -> bool:
    if eval_type == "reliability":
        return str(data.get("eval_status", "")).upper() != "PASSED"
    if eval_type in ("accuracy", "agent_as_judge"):
        score = data.get("avg_score")
        return score is None or float(score) < 5  # agno's judges score 1-10
    return False


def _summary(eval_type: str, data: Any) -> List[str]:
    if eval_type in ("accuracy", "agent_as_judge"):
        return [f"{eval_type}: avg_score={data.get('avg_score')} (of 10)"]
    if eval_type == "performance":
        return [f"performance: avg_run_time={data.get('avg_run_time')}s over {len(data.get('run_times') or [])} runs"]
    return [
        f"reliability: {data.get('eval_status')} passed={data.get('passed_tool_calls')} "
        f"missing={data.get('missing_tool_calls')}"
    ]
