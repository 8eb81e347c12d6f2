"""The page (``GET /``), the form's target (``POST /ask`` enqueues the task), the progress page
(``GET /runs/<task id>``) and its JSON (``GET /runs/<task id>/state.json``), polled by the page."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from celerydemo.tasks import ask, progress_key


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "celerydemo/index.html")


@csrf_exempt  # an example without sessions or users; a real project keeps CSRF protection
@require_POST
def enqueue(request: HttpRequest) -> HttpResponse:
    question = request.POST.get("q", "").strip()
    if not question:
        return HttpResponseBadRequest("Ask something.")
    result = ask.delay(question)
    return redirect("run", task_id=result.id)


def run(request: HttpRequest, task_id: str) -> HttpResponse:
    return render(request, "celerydemo/run.html", {"task_id": task_id})


def run_json(request: HttpRequest, task_id: str) -> JsonResponse:
    state = cache.get(progress_key(task_id)) or {"text": "", "events": 0, "done": False}
    return JsonResponse(state)
