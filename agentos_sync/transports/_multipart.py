"""A ``multipart/form-data`` body (RFC 7578) that is read while it is sent, not built in memory.

Written here because requests' ``files=`` builds the whole body in memory first (urllib3's
``encode_multipart_formdata`` joins every part, file contents included): a 2 GiB knowledge
upload would cost 2 GiB of memory. requests-toolbelt's ``MultipartEncoder`` streams, but the
runtime depends on requests, pydantic and tenacity only. The header parameters are formatted by
urllib3 itself (``format_multipart_header_param``), so names and filenames are escaped exactly as
requests' own encoder escapes them.
"""

from __future__ import annotations

import binascii
import io
import os
from typing import IO, Iterator, List, Mapping, Sequence, Tuple, Union

from urllib3.fields import format_multipart_header_param

from .base import FileField

__all__ = ["MultipartBody"]

#: How much of a file one read takes while the body is sent.
_BLOCK = 64 * 1024

_Part = Union[bytes, IO[bytes]]


def _remaining_size(fh: IO[bytes]) -> int:
    """Bytes left to read in ``fh`` (from its position), without reading it: the body's
    Content-Length must be known before it is sent (AgentOS reads a chunked upload too, but a proxy
    in front of it may not)."""
    try:
        return max(os.fstat(fh.fileno()).st_size - fh.tell(), 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    try:
        here = fh.tell()
        end = fh.seek(0, io.SEEK_END)
        fh.seek(here)
        return max(end - here, 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation) as exc:
        raise TypeError(
            "an uploaded file object must be seekable or a real file, so that its size is known before sending"
        ) from exc


class MultipartBody:
    """The form fields and files of one request as a multipart body: iterable (what requests and
    http.client send from), with a length (so requests sends ``Content-Length``, not chunked).

    File objects are read in 64 KiB blocks while the body goes out; bytes are sent as they are.
    ``content_type`` is the header value, boundary included.

    Example:
        ```python
        body = MultipartBody({"name": "Handbook"}, [("file", ("h.pdf", open("h.pdf", "rb"), "application/pdf"))])
        requests.post(url, data=body, headers={"Content-Type": body.content_type})
        ```
    """

    def __init__(self, form: Mapping[str, str], files: Sequence[FileField]) -> None:
        self.boundary = binascii.hexlify(os.urandom(16)).decode("ascii")
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        parts: List[Tuple[bytes, _Part, int]] = []
        for name, value in form.items():
            parts.append((self._head(name, None, None), value.encode("utf-8"), -1))
        for name, (filename, content, ctype) in files:
            if isinstance(content, (bytes, bytearray)):
                parts.append((self._head(name, filename, ctype), bytes(content), -1))
            else:
                parts.append((self._head(name, filename, ctype), content, _remaining_size(content)))
        self._parts = parts
        self._tail = f"--{self.boundary}--\r\n".encode("ascii")
        self._length = len(self._tail) + sum(
            len(head) + (len(data) if isinstance(data, bytes) else size) + 2 for head, data, size in parts
        )

    def _head(self, name: str, filename: Union[str, None], ctype: Union[str, None]) -> bytes:
        disposition = f"form-data; {format_multipart_header_param('name', name)}"
        if filename is not None:
            disposition += f"; {format_multipart_header_param('filename', filename)}"
        lines = [f"--{self.boundary}", f"Content-Disposition: {disposition}"]
        if ctype is not None:
            lines.append(f"Content-Type: {ctype}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        for head, data, size in self._parts:
            yield head
            if isinstance(data, bytes):
                yield data
            else:
                left = size
                while left > 0:
                    block = data.read(min(_BLOCK, left))
                    if not block:
                        # The file shrank while it was sent: the announced length cannot be met.
                        raise OSError("an uploaded file ended before its announced size (was it truncated?)")
                    left -= len(block)
                    yield block
            yield b"\r\n"
        yield self._tail
