"""``agentos-sync``: the command line of agentos_sync (``pip install "agentos_sync[cli]"``).

See the client work in one command, with no AgentOS of your own, then use the same tool against
a real one:

```python
agentos-sync demo                                # the "Running Agents" flows on an embedded fake AgentOS
agentos-sync demo --base-url http://localhost:7777
```

Commands (KIND is ``agent``, ``team`` or ``workflow``):

============================================  ==========================================================
``demo [--base-url URL] [--agent ID]``        non-streaming run, streaming run, a background stream that
                                              disconnects after 5 events and resumes via ``/resume``
                                              (catch_up / replay / subscribed shown), a background stream
                                              cut twice that still delivers every event. Without
                                              ``--base-url`` (AGENTOS_URL is ignored here) it serves a
                                              ``FakeAgentOS`` over loopback HTTP. Exits 1 if a check fails.
``serve-fake [--port 7777] [--host H]``       the fake AgentOS alone, until Ctrl-C (exit 0), for developing
                                              an app against the client without agno
``agents`` / ``teams`` / ``workflows``        list them (a table on a terminal, tab-separated when piped,
                                              ``--json``)
``run KIND ID MESSAGE``                       stream the answer to stdout; ``--no-stream``,
                                              ``--background``, ``--session-id S``, ``--user-id U``,
                                              ``--json`` (one JSON event per line)
``resume KIND ID RUN_ID``                     re-attach: ``--last-event-index N``, ``--session-id S``
``runs KIND ID --session-id S``               the runs of a session (``--status``)
``get-run KIND ID RUN_ID``                    a stored run (exit 0 whatever its status)
``wait KIND ID RUN_ID``                       poll until it is over (``--timeout``, ``--poll-interval``)
``cancel KIND ID RUN_ID``                     ask the server to cancel it
``memories``                                  list memories (``--user-id``, ``--topic``, ``--search TEXT``)
``upload [PATH]``                             add a file, ``--url`` or ``--text`` to the
                                              knowledge base; waits until processed (``--no-wait``)
``search QUERY``                              search the knowledge base
``sessions``                                  list sessions (``--type``, ``--component-id``, ``--user-id``)
``eval TYPE ID INPUT``                        run an eval (``--expected``, ``--expected-tool``,
                                              ``--iterations``, ``--team``); exit 1 when it failed
``approvals list``                            pending approvals (``--status``, ``--agent-id``)
``approvals resolve ID approved|rejected``    resolve one (``--by NAME``); the run can then continue
``schedules list``                            cron schedules (``--enabled/--disabled``)
``schedules trigger ID``                      fire one now; exit 1 when its call failed
============================================  ==========================================================

Output: stdout carries the answer (or JSON); stderr carries the spinner (on a terminal, until the
first token), ``/resume`` meta events, reconnects, the final line ``completed run_id=...
session_id=... tokens=N duration=1.23s``, hints and errors. On a terminal tool calls and
reasoning appear inline, dim and italic; piped, they go to stderr as plain lines.

Configuration: flags (before or after the command name), then ``AGENTOS_URL`` /
``AGENTOS_API_KEY``, then the defaults (``http://localhost:7777``, no key). The key is never
printed, not even in the ``resume`` command printed on Ctrl-C.

Ctrl-C during a background stream (``run --background``, ``resume``) detaches, leaving the run
going on the server, and prints the exact ``agentos-sync resume ...`` command to re-attach;
during a foreground stream it closes the stream.

Exit codes:

===  =================================================================================
0    done (the run completed)
1    the run failed (RunError, cancelled, paused, ``wait --timeout`` passed) or the server failed
2    usage: bad arguments, or the server rejected them (unknown id 404, 400, 422)
3    cannot reach the server (refused, timed out, a dropped stream that could not be resumed)
4    authentication: missing or wrong API key (401, 403)
130  interrupted (Ctrl-C)
===  =================================================================================

Errors are printed as one ``error:`` line (plus a ``hint:``) on stderr, never as a traceback.
Importing `agentos_sync` does not import this package, click or rich.
"""

from . import (
    _areas,  # noqa: F401 - registers memories, upload, search, sessions, eval on the group
    _ops,  # noqa: F401 - registers approvals and schedules on the group
    _runs,  # noqa: F401 - registers run, resume, runs, get-run, wait and cancel on the group
)
from ._app import (
    DEFAULT_BASE_URL,
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    cli,
    main,
)

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
