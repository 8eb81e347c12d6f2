"""Two views: the page, and the Server-Sent Events stream of one answer.

``GET /stream?q=...`` starts a background run and relays its events. If the connection drops, the
page reconnects with ``GET /stream?run_id=...&session_id=...&last_event_id=N`` and the view
resumes the same run after event N: the answer continues, nothing is repeated, nothing re-runs.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from agentos_sync import errors
from agentos_sync.contrib.django import error_response, get_client, last_event_id, stream_response

# What the page needs: the run's start (its ids, for a resume), the text, and how it ended.
PAGE_EVENTS = ["RunStarted", "RunContent", "RunCompleted", "RunError", "RunCancelled"]


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "askdemo/ask.html", {"agent": settings.AGENTOS_AGENT})


def stream(request: HttpRequest) -> HttpResponse:
    question = request.GET.get("q", "").strip()
    run_id = request.GET.get("run_id", "").strip()
    client = get_client()
    try:
        if run_id:
            upstream = client.resume_run_stream(
                settings.AGENTOS_AGENT,
                run_id,
                last_event_index=last_event_id(request),
                session_id=request.GET.get("session_id") or None,
            )
        elif question:
            upstream = client.run_agent_stream(settings.AGENTOS_AGENT, question, background=True)
        else:
            return HttpResponseBadRequest("Ask something: /stream?q=your+question")
    except (TypeError, ValueError) as exc:
        return HttpResponseBadRequest(str(exc))
    except errors.AgentOSError as exc:
        # An event stream with one `end` frame (reason, retry hint): the page's EventSource
        # cannot read the body of an error status, only that the connection failed.
        return error_response(exc)
    return stream_response(upstream, events=PAGE_EVENTS, keepalive=settings.ASK_KEEPALIVE)
