"""A loopback server that sends exactly the bytes a test wants (imported as ``_wire``).

Each accepted connection is handled by ``handler(conn)``: read the request with
:meth:`Conn.read_request`, then write what the test wants, raw. With ``tls=`` the connection is
wrapped first (a failed handshake is counted, not handled). Everything listens on 127.0.0.1 and
ends by itself: handlers get sockets with a timeout, the server stops at the end of the ``with``.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Callable, Dict, List, Optional

#: The longest a handler may hold a connection open (a test's "silent server").
HOLD = 8.0

CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


class Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""

    def read_request(self) -> bytes:
        """One request, head and body (by content-length); b"" when the client went away."""
        while b"\r\n\r\n" not in self._buf:
            data = self.sock.recv(65536)
            if not data:
                return b""
            self._buf += data
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            data = self.sock.recv(65536)
            if not data:
                break
            rest += data
        self._buf = rest[length:]
        return head + b"\r\n\r\n" + rest[:length]

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def hold(self, seconds: float = HOLD) -> None:
        """Keep the connection open and silent until the client closes it or ``seconds`` pass."""
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass


class WireServer:
    """``with WireServer(handler) as server:`` ... ``server.url``; ``server.requests`` holds every
    request read through :meth:`Conn.read_request`, ``server.connections`` counts connections,
    ``server.handshake_failures`` the TLS handshakes that failed."""

    def __init__(self, handler: Callable[[Conn], None], *, tls: Optional[ssl.SSLContext] = None) -> None:
        self.handler = handler
        self.tls = tls
        self.requests: List[bytes] = []
        self.connections = 0
        self.handshake_failures = 0
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._lock = threading.Lock()

    def __enter__(self) -> WireServer:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(HOLD + 2)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return  # the listener was closed (a test that wants connections refused)
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._handle, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, sock: socket.socket) -> None:
        sock.settimeout(HOLD)
        try:
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    with self._lock:
                        self.handshake_failures += 1
                    return
            conn = Conn(sock)
            original = conn.read_request

            def recording() -> bytes:
                request = original()
                if request:
                    with self._lock:
                        self.requests.append(request)
                return request

            conn.read_request = recording  # type: ignore[method-assign]
            self.handler(conn)
        except OSError:
            pass  # the client went away: not the test's business
        finally:
            sock.close()


def reply(status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None) -> bytes:
    """A whole response with a content-length."""
    lines = [f"HTTP/1.1 {status} X"]
    merged = {"content-type": "application/json", "content-length": str(len(body)), **(headers or {})}
    lines += [f"{k}: {v}" for k, v in merged.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- throwaway certificates ------------------------------------------------------------------------


class Certs:
    """A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate, made with
    the openssl command in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.ca = str(directory / "ca.pem")
        self.server = (str(directory / "server.pem"), str(directory / "server.key"))
        self.client = (str(directory / "client.pem"), str(directory / "client.key"))
        self._make()

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True, timeout=60)

    def _make(self) -> None:
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        # The extensions Python 3.13's default context requires (VERIFY_X509_STRICT): a CA with
        # keyUsage and critical basicConstraints, leaves with an authority key identifier.
        ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        self._openssl(
            "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA", *ca_ext
        )  # fmt: skip
        leaf = (
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
        (self.dir / "server.ext").write_text(leaf + "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        (self.dir / "client.ext").write_text(leaf + "extendedKeyUsage=clientAuth\n")
        for name in ("server", "client"):
            self._openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
            self._openssl(
                "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            )  # fmt: skip

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.server)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.ca)
            # TLS 1.2: the client certificate is checked inside the handshake, where the client
            # sees the refusal (TLS 1.3 checks it after the client has finished its side).
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        return ctx


def raw_socket(tls_sock: socket.socket) -> socket.socket:
    """The TCP socket under a TLS one (a duplicate descriptor): bytes written to it bypass TLS."""
    return socket.socket(fileno=os.dup(tls_sock.fileno()))
