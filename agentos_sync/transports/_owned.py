"""Reading a response's socket below urllib3: only by the process that opened it, and without a
read buffer held while the stream waits.

Apart from the transport because these are the pieces that handle the socket file directly, for
two reasons the response itself need not know: a forked child must neither read nor shut down
the connection its parent still reads, and an idle stream must not pin 64 KiB. The response in
`.requests` asks for the file, wraps it and reads.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import weakref
from typing import Any

import requests

#: The bodies being read in this process. Past `_FULL_READS` of them, each read asks for less, so
#: that a burst over a thousand open streams leaves a thousand smaller blocks behind in the heap
#: (the allocator keeps what 1,000 threads each split at once: 90 KiB per idle stream after a
#: burst with 64 KiB reads, ~60 KiB with 16 KiB, `benchmarks/run.py --only scale`); one stream
#: alone keeps 64 KiB reads, whose throughput they are (16 KiB cost a single stream 3%).
_OPEN: weakref.WeakSet[_OwnedFile] = weakref.WeakSet()
_FULL_READS = 64
_MIN_READ = 16 * 1024


def _read_size(size: int) -> int:
    """``size``, or a share of ``_FULL_READS`` reads of ``size`` among the bodies open now."""
    open_now = len(_OPEN)
    if open_now <= _FULL_READS or size <= _MIN_READ:
        return size
    return max(_MIN_READ, size * _FULL_READS // open_now)


class _Inherited(Exception):
    """A forked child tried to read a response its parent opened (and is still reading)."""


class _OwnedFile:
    """The socket file of a response, readable only by the process that opened it.

    A child forked mid-stream inherits the parent's half-read response; one read from it would
    steal the parent's bytes. The check costs one getpid() per read (not per event).

    Once the file's own buffer is known to be empty (the last ``read1(n)`` returned fewer than n
    bytes, which it only does once drained), a read goes to the socket's descriptor itself:
    ``os.read`` on the non-blocking descriptor of a socket with a timeout, and only when that
    finds nothing, a poll() for the timeout and the read again. Two reasons, both measured with
    ``benchmarks/run.py --only scale``:

    - Memory: ``read1(n)`` allocates its n-byte result before it blocks in recv, so every open
      stream waiting for its next event held its read buffer (1,000 idle streams after a burst,
      ~79 KiB each from this one line in tracemalloc). ``os.read`` frees it when nothing came.
    - Threads: a socket with a timeout polls before every recv, so ``read1`` released the GIL
      twice per read (three times with a poll of ours before it), and each release is a hand-over
      among all the runnable threads. A read that finds bytes waiting now releases it once.

    TLS sockets keep the buffered file (the descriptor carries ciphertext), with a poll() before
    a read of an empty buffer.
    """

    def __init__(self, fp: Any, pid: int, sock: Any = None) -> None:
        self._fp = fp
        self._pid = pid
        self._poll: Any = None
        self._sock = sock
        if sock is not None and type(sock) in (socket.socket, ssl.SSLSocket):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self._poll = select.poll()
                self._poll.register(sock.fileno(), select.POLLIN | select.POLLPRI)
        #: Reads of an empty buffer go to the descriptor (a plain socket we can poll).
        self._direct = self._poll is not None and type(sock) is socket.socket
        #: The last direct read filled its buffer.
        self._full = False
        #: The buffered file holds nothing: the last read1(n) returned fewer than n bytes, which
        #: it only does once its buffer is drained (after read() it may hold what came after).
        self._drained = False
        _OPEN.add(self)

    def read1(self, size: int = -1, /) -> bytes:
        if os.getpid() != self._pid:
            raise _Inherited()
        if size > 0:
            size = _read_size(size)
            if self._drained and self._direct:
                return self._read_socket(size)
        if self._drained and self._poll is not None:
            self._wait_readable()
        data = self._fp.read1(size)
        self._drained = 0 < len(data) < size
        return bytes(data)

    def read(self, size: int = -1, /) -> bytes:
        if os.getpid() != self._pid:
            raise _Inherited()
        self._drained = False
        return bytes(self._fp.read(size))

    def _read_socket(self, size: int) -> bytes:
        """Up to ``size`` bytes from the socket itself (the buffered file is empty); b"" at its
        end. The descriptor is asked for on each read: a socket closed meanwhile gives -1 (an
        OSError from os.read), never a descriptor reused by another file."""
        sock = self._sock
        # After a full read more is likely waiting: read at once (on the non-blocking descriptor
        # of a socket with a timeout); otherwise the poll comes first, so that a stream that
        # waits for its next event does not pay a read that finds nothing.
        wait = not (self._full and sock.gettimeout() is not None)
        while True:
            if wait:
                self._wait_readable()
            try:
                data = os.read(sock.fileno(), size)
            except BlockingIOError:
                wait = True  # nothing yet (or a readiness that was not, rare on TCP): wait for it
                continue
            self._full = len(data) == size
            return data

    def _wait_readable(self) -> None:
        sock = self._sock
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return  # decrypted bytes wait inside the TLS layer: the descriptor may stay quiet
        timeout = sock.gettimeout()
        if not self._poll.poll(None if timeout is None else max(0, int(timeout * 1000) + 1)):
            raise socket.timeout("timed out")


def _socket_file(raw: Any) -> Any:
    """The buffered socket file under urllib3's response (http.client's ``fp``, reached through
    urllib3's private ``_fp``), when the body is chunked and not content-encoded. None otherwise:
    urllib3 then reads the body itself."""
    encoding = str(raw.headers.get("content-encoding", "identity")).lower()
    if not raw.chunked or encoding not in ("", "identity"):
        return None
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    return fp if fp is not None and hasattr(fp, "read1") else None


def _close_fd_only(response: requests.Response) -> None:
    """Close this process's descriptor of a response's socket, sending nothing on it."""
    conn = getattr(response.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()  # close(), unlike shutdown(), leaves the other process's copy open
