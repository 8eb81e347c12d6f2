"""The operator commands: ``approvals`` (list, resolve) and ``schedules`` (list, trigger).

Same conventions as the other commands: a table on a terminal, tab-separated lines when piped,
``--json`` for JSON, one ``error:`` line and the documented exit codes on failure.
"""

from __future__ import annotations

import json
from typing import Optional

import click

from ._app import EXIT_RUN_FAILED, cli
from ._areas import _json_option, _limit_option, _one_line, _print_listing
from ._config import client_for, connection_options
from ._render import Output, dump_json

__all__ = ["approvals", "schedules"]


@cli.group(short_help="List and resolve approvals of paused tool calls.")
def approvals() -> None:
    """Approvals: the tool calls an admin must approve before their run goes on."""


@approvals.command("list", short_help="List approvals (pending by default).")
@connection_options()
@click.option(
    "--status",
    type=click.Choice(["pending", "approved", "rejected", "expired", "cancelled", "all"]),
    default="pending",
    show_default=True,
)
@click.option("--agent-id", default=None, metavar="ID", help="Only this agent's approvals.")
@_limit_option
@_json_option
@click.pass_context
def approvals_list(ctx: click.Context, status: str, agent_id: Optional[str], limit: int, as_json: bool) -> None:
    """List approvals (id, status, agent, tool, arguments, run), newest first."""
    page = client_for(ctx).approvals.list(
        status=None if status == "all" else status, agent_id=agent_id, limit=min(limit, 1000)
    )
    _print_listing(
        page,
        limit,
        as_json,
        ("APPROVAL ID", "STATUS", "AGENT", "TOOL", "ARGS", "RUN ID"),
        lambda a: (
            a.id,
            a.status or "",
            a.agent_id or a.team_id or "",
            a.tool_name or "",
            _one_line(json.dumps(a.tool_args or {}), 40),
            a.run_id or "",
        ),
        "no approvals",
    )


@approvals.command("resolve", short_help="Approve or reject an approval.")
@connection_options()
@click.argument("approval_id")
@click.argument("decision", type=click.Choice(["approved", "rejected"]))
@click.option("--by", "resolved_by", default=None, metavar="NAME", help="Who resolved it (stored on the approval).")
@_json_option
@click.pass_context
def approvals_resolve(
    ctx: click.Context, approval_id: str, decision: str, resolved_by: Optional[str], as_json: bool
) -> None:
    """Resolve APPROVAL_ID as approved or rejected; the run's owner then continues the run."""
    approval = client_for(ctx).approvals.resolve(approval_id, decision, resolved_by=resolved_by)
    out = Output(json_mode=as_json)
    if as_json:
        out.json_line(dump_json(approval))
    else:
        out.line(f"{approval.id}\t{approval.status}")
        out.note(f"run {approval.run_id} (session {approval.session_id}) can be continued now")
    out.close()


@cli.group(short_help="List and trigger cron schedules.")
def schedules() -> None:
    """Schedules: endpoints of the server that its scheduler calls on a cron expression."""


@schedules.command("list", short_help="List schedules.")
@connection_options()
@click.option("--enabled/--disabled", "enabled", default=None, help="Only enabled (or disabled) schedules.")
@_limit_option
@_json_option
@click.pass_context
def schedules_list(ctx: click.Context, enabled: Optional[bool], limit: int, as_json: bool) -> None:
    """List schedules (id, name, cron, enabled, endpoint, next run)."""
    page = client_for(ctx).schedules.list(enabled=enabled, limit=min(limit, 1000))
    _print_listing(
        page,
        limit,
        as_json,
        ("SCHEDULE ID", "NAME", "CRON", "ENABLED", "ENDPOINT", "NEXT RUN"),
        lambda s: (
            s.id,
            s.name or "",
            s.cron_expr or "",
            "yes" if s.enabled else "no",
            f"{s.method or 'POST'} {s.endpoint or ''}",
            str(s.next_run_at or ""),
        ),
        "no schedules",
    )


@schedules.command("trigger", short_help="Fire a schedule now.")
@connection_options()
@click.argument("schedule_id")
@_json_option
@click.pass_context
def schedules_trigger(ctx: click.Context, schedule_id: str, as_json: bool) -> None:
    """Fire SCHEDULE_ID now; print the run it made. Exit 1 when the call failed."""
    run = client_for(ctx).schedules.trigger(schedule_id)
    out = Output(json_mode=as_json)
    if as_json:
        out.json_line(dump_json(run))
    else:
        out.line(f"{run.id}\t{run.status}\t{run.run_id or ''}")
        if run.error:
            out.note(_one_line(run.error, 200))
    out.close()
    ctx.exit(EXIT_RUN_FAILED if run.status != "success" else 0)
