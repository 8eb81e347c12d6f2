"""Serving a FakeAgentOS over real HTTP on loopback (stdlib only)."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple
from urllib.parse import parse_qsl

from .. import _waits
from ..errors import APIConnectionError, APITimeoutError
from ..transports.base import FileField, Request
from ._body import Body
from ._wire import _Exchange

__all__ = ["FakeServer"]


class _Answers(Protocol):
    """What the HTTP server serves: a `FakeAgentOS`, which answers each request it receives."""

    def _exchange(self, request: Request) -> _Exchange: ...


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 resets a burst of concurrent connects (32 threads at once).
    request_queue_size = 128
    fake_server: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops its connection (a closed stream, a pooled socket) is routine here,
        # not a server error worth a traceback on stderr.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class FakeServer:
    """A `FakeAgentOS` served over HTTP/1.1 from a daemon thread
    (made by ``fake.serve()``). Keep-alive connections; SSE bodies use chunked transfer-encoding
    like uvicorn. Faults become real network events: a cut closes the socket mid-body (no final
    chunk), a header cut closes it inside the status line/headers, a refusal closes it before any
    response, a stall sleeps ``stall_seconds`` (or the fault's ``seconds``) and then closes.

    Example:
        ```python
        with FakeAgentOS().serve() as server:
            print(server.url)           # http://127.0.0.1:54321
            requests.post(server.url + "/agents/assistant/runs", data={"message": "hi", "stream": "false"})
        ```
    """

    def __init__(
        self,
        fake: _Answers,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        stall_seconds: float = 1.0,
        event_delay: float = 0.0,
    ) -> None:
        self.fake = fake
        self.stall_seconds = stall_seconds
        self.event_delay = event_delay
        self._stop = threading.Event()
        self._conns: Set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._closed = False
        server_class = _HTTPServer6 if ":" in host else _HTTPServer
        self._httpd = server_class((host, port), _Handler)
        self._httpd.fake_server = self
        address = self._httpd.server_address
        self.host = str(address[0])
        self.port = int(address[1])
        shown = "127.0.0.1" if self.host == "0.0.0.0" else self.host
        self.url = f"http://[{shown}]:{self.port}" if ":" in shown else f"http://{shown}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeAgentOS-http", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving and drop open connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the server is closed (or ``timeout`` passes); True if it was closed. For a
        command that serves the fake until interrupted.

        Example:
            ```python
            server = FakeAgentOS().serve(port=7777)
            try:
                server.wait()
            except KeyboardInterrupt:
                server.close()
            ```
        """
        return _waits.wait(self._stop, timeout)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<FakeServer {self.url}{' closed' if self._closed else ''}>"

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-agentos"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.fake_server._track(self.connection, True)

    def finish(self) -> None:
        self.server.fake_server._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # -- request ---------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: List[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _build_request(self, raw: bytes) -> Request:
        headers: Dict[str, str] = {k: v for k, v in self.headers.items()}
        ctype = (self.headers.get("Content-Type") or "").lower()
        form: Optional[Dict[str, str]] = None
        body_json: Any = None
        files: Optional[List[FileField]] = None
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        elif ctype.startswith("multipart/form-data"):
            form, files = _parse_multipart(self.headers.get("Content-Type") or "", raw)
        elif raw:
            with contextlib.suppress(ValueError):
                body_json = json.loads(raw)
        fake_server = self.server.fake_server
        return Request(
            method=self.command,
            url=f"{fake_server.url}{self.path}",
            headers=headers,
            form=form,
            json=body_json,
            files=files or None,
        )

    # -- response --------------------------------------------------------------------------------
    def _handle(self) -> None:
        fake_server = self.server.fake_server
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        exchange = fake_server.fake._exchange(self._build_request(raw))
        if exchange.refused:
            self._abort()
            return
        try:
            if exchange.cut_headers:
                # Cut inside the status line: a break after a complete status line would read as
                # a valid response with an empty body (HTTP/1.1 without a length reads to EOF).
                self.wfile.write(b"HTTP/1.1 %d" % (exchange.status // 10))
                self._abort()
                return
            self._respond(exchange)
        except OSError:
            self.close_connection = True
        finally:
            exchange.body.close()

    def _respond(self, exchange: _Exchange) -> None:
        fake_server = self.server.fake_server
        body = exchange.body
        streaming = exchange.streaming
        self.send_response(exchange.status)
        for key, value in exchange.headers.items():
            self.send_header(key, value)
        if exchange.status == 204:
            self.end_headers()
            return
        if not streaming:
            data, error = _drain(body)
            if error is not None:
                self.end_headers()
                self._abort()
                return
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        last_was_event = False
        while True:
            if fake_server._stop.is_set():
                self._abort()
                return
            if last_was_event and fake_server.event_delay > 0:
                fake_server._stop.wait(fake_server.event_delay)
            try:
                frame = body.next_frame()
            except APITimeoutError:
                seconds = exchange.stall_seconds
                fake_server._stop.wait(fake_server.stall_seconds if seconds is None else seconds)
                self._abort()
                return
            except APIConnectionError:
                self._abort()
                return
            if frame is None:
                self.wfile.write(b"0\r\n\r\n")
                return
            last_was_event = frame.is_event
            if frame.data:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(frame.data), frame.data))

    def _abort(self) -> None:
        """Close the connection without finishing the response, as a crash or a reset would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _drain(body: Body) -> Tuple[bytes, Optional[BaseException]]:
    parts: List[bytes] = []
    try:
        while True:
            frame = body.next_frame()
            if frame is None:
                return b"".join(parts), None
            parts.append(frame.data)
    except APIConnectionError as exc:
        return b"".join(parts), exc


def _parse_multipart(content_type: str, raw: bytes) -> Tuple[Dict[str, str], List[FileField]]:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    form: Dict[str, str] = {}
    files: List[FileField] = []
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form[name] = data.decode("utf-8", "replace")
        else:
            files.append((name, (filename, data, part.get_content_type())))
    return form, files
