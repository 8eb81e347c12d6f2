"""A one-file Flask app: a page that asks an AgentOS agent a question and shows the answer
streaming in, relayed by ``agentos_sync.contrib.flask.stream_response``.

    python examples/flask_app.py                                    # embedded fake AgentOS
    AGENTOS_URL=http://localhost:7777 python examples/flask_app.py

then open http://127.0.0.1:5000/. ``AGENTOS_API_KEY``, ``AGENTOS_AGENT`` (default ``assistant``)
and ``PORT`` are read too. Needs the ``flask`` extra: ``pip install ".[flask]"``.

``GET /stream?q=...`` starts a background run and relays its events; after a dropped connection
the page resumes the same run with ``GET /stream?run_id=...&session_id=...&last_event_id=N``.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

from flask import Flask, Response, request

from agentos_sync import errors
from agentos_sync.contrib.flask import error_response, get_client, init_app, last_event_id, stream_response

# What the page needs: the run's start (its ids, for a resume), the text, and how it ended.
PAGE_EVENTS = ["RunStarted", "RunContent", "RunCompleted", "RunError", "RunCancelled"]

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Ask an agent</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; }
    form { display: flex; gap: .5rem; }
    input { flex: 1; padding: .5rem; font-size: 1rem; }
    #answer { white-space: pre-wrap; margin-top: 1.5rem; min-height: 3rem; line-height: 1.5; }
    #status { color: #666; font-size: .9rem; }
  </style>
</head>
<body>
  <h1>Ask an agent</h1>
  <form id="ask">
    <input id="question" name="q" autocomplete="off" required placeholder="Ask a question">
    <button type="submit">Ask</button>
  </form>
  <div id="answer" data-events="0" aria-live="polite"></div>
  <p id="status" data-state="idle"></p>
  <script>
    const answer = document.getElementById("answer");
    const statusEl = document.getElementById("status");
    let current = null;
    function setStatus(text, state) { statusEl.textContent = text; if (state) statusEl.dataset.state = state; }
    function connect(params, run) {
      const source = new EventSource("stream?" + new URLSearchParams(params));
      current = source;
      const read = (e) => {
        const data = JSON.parse(e.data);
        run.id = data.run_id || run.id;
        run.session = data.session_id || run.session;
        if (e.lastEventId) run.last = e.lastEventId;
        return data;
      };
      source.addEventListener("RunStarted", (e) => { read(e); setStatus("Streaming…", "streaming"); });
      source.addEventListener("RunContent", (e) => {
        const data = read(e);
        if (typeof data.content === "string") {
          answer.textContent += data.content;
          answer.dataset.events = String(Number(answer.dataset.events) + 1);
        }
      });
      source.addEventListener("RunError", (e) => {
        const data = read(e);
        setStatus("The run failed: " + (data.content || ""), "error");
      });
      source.addEventListener("end", (e) => {
        source.close();
        run.ended = true;
        const data = JSON.parse(e.data);
        // reason: the server's own words (or what failed); hint: what to do about it.
        if (data.error) setStatus(((data.reason || data.error) + " " + (data.hint || "")).trim(), "error");
        else if (statusEl.dataset.state !== "error") setStatus("Done.", "done");
      });
      source.onerror = () => {
        source.close();
        if (run.ended || current !== source) return;
        // Never let EventSource re-send the question: resume the same run after the last event.
        if (run.id && run.retries < 5) {
          run.retries += 1;
          setStatus("Reconnecting…", "reconnecting");
          const again = {run_id: run.id, session_id: run.session || "", last_event_id: run.last || ""};
          setTimeout(() => connect(again, run), 500);
        } else {
          setStatus(run.id
            ? "Lost the connection to this page's server after 5 tries; ask again to start over."
            : "Could not reach this page's server; check that it is running, then ask again.", "error");
        }
      };
    }
    document.getElementById("ask").addEventListener("submit", (e) => {
      e.preventDefault();
      if (current) current.close();
      answer.textContent = "";
      answer.dataset.events = "0";
      setStatus("Thinking…", "waiting");
      const run = {id: null, session: null, last: null, retries: 0, ended: false};
      connect({q: document.getElementById("question").value}, run);
    });
  </script>
</body>
</html>
"""


def _embedded_agentos_url() -> str:
    """agentos_sync's fake AgentOS over loopback HTTP, slowed down so the streaming is visible."""
    from agentos_sync.testing import FakeAgentOS

    def reply(message: str) -> str:
        return (
            f"You asked: {message.strip()} This answer comes from the embedded fake AgentOS, one word "
            "at a time. Set AGENTOS_URL to talk to a real server."
        )

    fake = FakeAgentOS(with_defaults=False).add_agent("assistant", name="Assistant", reply=reply)
    return fake.serve(event_delay=0.05).url


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    """The app. ``config`` overrides ``app.config`` (tests pass ``AGENTOS_TRANSPORT``)."""
    app = Flask(__name__)
    # The agent the page asks (not an AGENTOS_* key: those configure the client).
    app.config["ASK_AGENT"] = os.environ.get("AGENTOS_AGENT", "assistant")
    # Seconds of silence after which the page's stream gets a keep-alive comment: below the idle
    # timeout of whatever sits between the page and the browser (nginx's proxy_read_timeout: 60 s).
    app.config["ASK_KEEPALIVE"] = float(os.environ.get("ASK_KEEPALIVE", "15"))
    app.config["AGENTOS_API_KEY"] = os.environ.get("AGENTOS_API_KEY") or None
    app.config["AGENTOS_TIMEOUT"] = [10, 300]
    app.config["AGENTOS_POOL_MAXSIZE"] = 32
    app.config.update(config or {})
    if not app.config.get("AGENTOS_BASE_URL"):
        app.config["AGENTOS_BASE_URL"] = os.environ.get("AGENTOS_URL") or _embedded_agentos_url()
    agent = app.config["ASK_AGENT"]
    init_app(app)

    @app.get("/")
    def index() -> str:
        return PAGE

    @app.get("/stream")
    def stream() -> Response:
        question = request.args.get("q", "").strip()
        run_id = request.args.get("run_id", "").strip()
        client = get_client()
        try:
            if run_id:
                upstream = client.resume_run_stream(
                    agent,
                    run_id,
                    last_event_index=last_event_id(),
                    session_id=request.args.get("session_id") or None,
                )
            elif question:
                upstream = client.run_agent_stream(agent, question, background=True)
            else:
                return Response("Ask something: /stream?q=your+question", status=400, mimetype="text/plain")
        except (TypeError, ValueError) as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        except errors.AgentOSError as exc:
            # An event stream with one `end` frame (reason, retry hint): the page's EventSource
            # cannot read the body of an error status, only that the connection failed.
            return error_response(exc)
        return stream_response(upstream, events=PAGE_EVENTS, keepalive=app.config["ASK_KEEPALIVE"])

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), threaded=True)
