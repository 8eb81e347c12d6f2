"""A deterministic OpenAI-compatible chat completions server: the model behind the integration
suite's real AgentOS, and behind ``examples/agentos_server.py`` when no model is chosen. No network,
no key, no weights: stdlib only.

``POST /v1/chat/completions`` (and ``/chat/completions``) is served, streaming and not, with
``usage`` token counts; ``POST /v1/embeddings`` (a knowledge base's embedder); ``GET /health``.
The test steers the reply through the prompt: the
last user message is scanned for ``[key=value ...]`` directives.

- ``[tokens=40 delay=0.01]``: reply with 40 tokens ``"tok0 ", "tok1 ", ...``, 10 ms apart.
  ``delay`` alone keeps the default reply and only slows it down.
- ``What is 2 + 2?`` (any message containing ``2 + 2``): ``"2 + 2 = 4."`` in 5 tokens.
- ``[call_tool=NAME]``: if the request offers tools and no tool result follows the last user
  message, answer with one tool call to ``NAME`` with arguments ``{}``; once the tool result is in
  the conversation, reply as if the directive were absent.
- ``[llm_error=500]``: answer with that HTTP status and an OpenAI-style error body (for RunError
  tests; the openai client retries 5xx, so expect a few requests).
- anything else: the default reply ``"Hello from the fake model."`` (5 tokens).
- a ``response_format`` with a JSON schema (structured output: an eval's judge, a memory
  manager's answer): the reply is a JSON object made from the schema (integers 10, numbers 1.0,
  booleans true, strings the first three words of the user's text without directives), so a
  judge always passes and an optimized memory is shorter than what it replaces.
- a tool call's arguments are made from the tool's parameter schema the same way (required
  string parameters get the user's text): ``[call_tool=add_memory]`` stores that text.

Embeddings are deterministic: each input is hashed word by word into a unit vector of
``dimensions`` floats (default 64), so texts that share words are near each other.

Usage counts are deterministic: prompt tokens = whitespace-separated words of every message
(at least 1), completion tokens = number of reply tokens.

Runs in a thread (``FakeLLM().start()``, as the pytest fixture does) or standalone:
``python -m agentos_sync.testing.fake_llm --port 8100``. ThreadingHTTPServer with HTTP/1.1 keep-alive and chunked
streaming: one thread per connection, so 32+ concurrent streams are fine.
"""

import argparse
import itertools
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

DEFAULT_TOKENS = ["Hello ", "from ", "the ", "fake ", "model."]
TWO_PLUS_TWO_TOKENS = ["2 ", "+ ", "2 ", "= ", "4."]
MAX_TOKENS = 100_000
MAX_DELAY = 60.0

_DIRECTIVE_BLOCK = re.compile(r"\[([^\[\]]*=[^\[\]]*)\]")
_DIRECTIVE_PAIR = re.compile(r"([A-Za-z_]+)=([^\s\]]+)")
_ids = itertools.count(1)


def _text_of(content: Any) -> str:
    """Message content is a string or a list of parts ({"type": "text", "text": ...})."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def parse_directives(text: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for block in _DIRECTIVE_BLOCK.findall(text):
        for key, value in _DIRECTIVE_PAIR.findall(block):
            out[key.lower()] = value
    return out


def plan_reply(messages: List[Dict[str, Any]], tools_offered: bool) -> Dict[str, Any]:
    """Decide the reply: {"tokens": [...], "delay": float, "tool_call": name|None, "error": int|None}."""
    last_user = -1
    for i, m in enumerate(messages):
        if m.get("role") == "user":
            last_user = i
    text = _text_of(messages[last_user].get("content")) if last_user >= 0 else ""
    after_user = messages[last_user + 1 :] if last_user >= 0 else messages
    has_tool_result = any(m.get("role") == "tool" for m in after_user)
    d = parse_directives(text)

    try:
        delay = min(max(float(d.get("delay", 0.0)), 0.0), MAX_DELAY)
    except ValueError:
        delay = 0.0
    plan: Dict[str, Any] = {"tokens": DEFAULT_TOKENS, "delay": delay, "tool_call": None, "error": None}

    if "llm_error" in d:
        try:
            plan["error"] = int(d["llm_error"])
            return plan
        except ValueError:
            pass
    if "call_tool" in d and tools_offered and not has_tool_result:
        plan["tool_call"] = d["call_tool"]
        plan["tokens"] = []
        return plan
    if "tokens" in d:
        try:
            n = min(max(int(d["tokens"]), 1), MAX_TOKENS)
            plan["tokens"] = [f"tok{i} " for i in range(n)]
        except ValueError:
            pass
    elif "2 + 2" in text:
        plan["tokens"] = TWO_PLUS_TWO_TOKENS
    return plan


def _clean_text(messages: List[Dict[str, Any]]) -> str:
    """The last user message without its ``[key=value]`` directives."""
    for m in reversed(messages):
        if m.get("role") == "user":
            return _DIRECTIVE_BLOCK.sub("", _text_of(m.get("content"))).strip() or "fake"
    return "fake"


def value_for(schema: Any, text: str, defs: Dict[str, Any], depth: int = 0) -> Any:
    """A value that satisfies a JSON schema (the subset pydantic and agno emit)."""
    if not isinstance(schema, dict) or depth > 8:
        return text
    if "$ref" in schema:
        return value_for(defs.get(str(schema["$ref"]).rsplit("/", 1)[-1]), text, defs, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if isinstance(o, dict) and o.get("type") != "null"]
        if options:
            return value_for(options[0], text, defs, depth + 1)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {name: value_for(sub, text, defs, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [value_for(schema.get("items") or {"type": "string"}, text, defs, depth + 1)]
    if kind == "integer":
        maximum = schema.get("maximum")
        return int(min(10, maximum)) if isinstance(maximum, (int, float)) else 10
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return text


def structured_reply(req: Dict[str, Any], messages: List[Dict[str, Any]]) -> Optional[str]:
    """The JSON text a ``response_format`` json_schema asks for, or None without one."""
    fmt = req.get("response_format")
    if not isinstance(fmt, dict):
        return None
    text = " ".join(_clean_text(messages).split()[:3])
    if fmt.get("type") == "json_object":
        return json.dumps({"result": text})
    schema = (fmt.get("json_schema") or {}).get("schema")
    if not isinstance(schema, dict):
        return None
    return json.dumps(value_for(schema, text, schema.get("$defs") or schema.get("definitions") or {}))


def tool_arguments(req: Dict[str, Any], name: str, messages: List[Dict[str, Any]]) -> str:
    """Arguments for a call to tool ``name``: every required parameter filled from its schema."""
    text = _clean_text(messages)
    for tool in req.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name") == name:
            params = function.get("parameters") or {}
            props = params.get("properties") or {}
            required = params.get("required") or []
            return json.dumps({p: value_for(props.get(p), text, params.get("$defs") or {}) for p in required})
    return "{}"


def embedding(text: str, dimensions: int) -> List[float]:
    """A deterministic unit vector: each word adds to the coordinate its hash picks."""
    import hashlib
    import math

    vec = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()) or ["empty"]:
        digest = hashlib.sha256(word.encode()).digest()
        vec[int.from_bytes(digest[:4], "little") % dimensions] += 1.0 if digest[4] % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def prompt_tokens(messages: List[Dict[str, Any]]) -> int:
    return max(1, sum(len(_text_of(m.get("content")).split()) for m in messages))


class _Server(ThreadingHTTPServer):
    # Accept bursts of concurrent connections (the stdlib default backlog is 5)
    request_queue_size = 256
    daemon_threads = True

    def __init__(self, address: Any, handler: Any):
        super().__init__(address, handler)
        self.requests = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeLLM/1.0"

    @property
    def _srv(self) -> "_Server":
        return self.server  # type: ignore[return-value]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send_json(self, status: int, body: Dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/health", "/v1/health"):
            self._send_json(200, {"status": "ok", "requests": self._srv.requests})
        elif self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "gpt-fake", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path not in ("/v1/chat/completions", "/chat/completions", "/v1/embeddings", "/embeddings"):
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "invalid JSON", "type": "invalid_request_error"}})
            return
        with self._srv.lock:
            self._srv.requests += 1
        if path.endswith("/embeddings"):
            self._embeddings(req)
            return
        messages = req.get("messages") or []
        plan = plan_reply(messages, bool(req.get("tools")))
        if plan["error"] is not None:
            self._send_json(
                plan["error"],
                {"error": {"message": f"fake error {plan['error']}", "type": "server_error", "code": None}},
            )
            return
        structured = structured_reply(req, messages)
        if structured is not None and plan["tool_call"] is None:
            plan["tokens"] = [structured]
        model = req.get("model") or "gpt-fake"
        cid = f"chatcmpl-{next(_ids):08x}"
        usage = {
            "prompt_tokens": prompt_tokens(messages),
            "completion_tokens": len(plan["tokens"]) if plan["tool_call"] is None else 1,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        tool_call = None
        if plan["tool_call"] is not None:
            tool_call = {
                "id": f"call_{next(_ids):08x}",
                "type": "function",
                "function": {"name": plan["tool_call"], "arguments": tool_arguments(req, plan["tool_call"], messages)},
            }
        if req.get("stream"):
            self._stream(
                cid, model, plan, tool_call, usage, bool((req.get("stream_options") or {}).get("include_usage"))
            )
        else:
            self._complete(cid, model, plan, tool_call, usage)

    def _embeddings(self, req: Dict[str, Any]) -> None:
        import base64
        import struct

        inputs = req.get("input")
        texts = [inputs] if isinstance(inputs, str) else [str(t) for t in inputs or []]
        dimensions = int(req.get("dimensions") or 64)
        data = []
        for i, text in enumerate(texts):
            vec = embedding(text, dimensions)
            # the openai client asks for base64 unless told otherwise, and decodes it itself
            value: Any = (
                base64.b64encode(struct.pack(f"<{dimensions}f", *vec)).decode()
                if req.get("encoding_format") == "base64"
                else vec
            )
            data.append({"object": "embedding", "index": i, "embedding": value})
        tokens = sum(len(t.split()) for t in texts)
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": req.get("model") or "text-embedding-fake",
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _complete(self, cid: str, model: str, plan: Dict[str, Any], tool_call: Any, usage: Dict[str, int]) -> None:
        if plan["delay"]:
            time.sleep(plan["delay"] * max(1, len(plan["tokens"])))
        message: Dict[str, Any] = {"role": "assistant", "content": "".join(plan["tokens"]) or None}
        if tool_call is not None:
            message["tool_calls"] = [tool_call]
        self._send_json(
            200,
            {
                "id": cid,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if tool_call is not None else "stop",
                        "logprobs": None,
                    }
                ],
                "usage": usage,
            },
        )

    def _chunk(self, payload: Dict[str, Any]) -> None:
        data = b"data: " + json.dumps(payload).encode() + b"\n\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _stream(
        self, cid: str, model: str, plan: Dict[str, Any], tool_call: Any, usage: Dict[str, int], include_usage: bool
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        created = int(time.time())

        def chunk(delta: Dict[str, Any], finish: Optional[str] = None) -> Dict[str, Any]:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }

        try:
            # No empty-content role chunk: agno would turn it into an empty RunContent event
            if tool_call is not None:
                self._chunk(chunk({"role": "assistant", "tool_calls": [dict(tool_call, index=0)]}))
                self._chunk(chunk({}, "tool_calls"))
            else:
                for i, tok in enumerate(plan["tokens"]):
                    if plan["delay"]:
                        time.sleep(plan["delay"])
                    self._chunk(chunk({"role": "assistant", "content": tok} if i == 0 else {"content": tok}))
                self._chunk(chunk({}, "stop"))
            if include_usage:
                self._chunk(
                    {
                        "id": cid,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                )
            data = b"data: [DONE]\n\n"
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            # The caller (a cancelled run) went away: nothing to clean up
            self.close_connection = True


class FakeLLM:
    """The server in a daemon thread: ``llm = FakeLLM().start(); llm.base_url; llm.stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._httpd = _Server((host, port), _Handler)
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give ``OpenAIChat(base_url=...)``."""
        return f"{self.url}/v1"

    @property
    def requests(self) -> int:
        return self._httpd.requests

    def start(self) -> "FakeLLM":
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeLLM":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8100)
    args = ap.parse_args(argv)
    llm = FakeLLM(args.host, args.port)
    print(f"fake LLM on {llm.base_url}", flush=True)
    try:
        llm._httpd.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        llm._httpd.server_close()


if __name__ == "__main__":
    main()
