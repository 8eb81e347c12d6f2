"""The one place a file to upload becomes a multipart field: paths, bytes,
``(name, bytes[, content type])`` tuples, binary files and agno ``File`` objects.

A run's files are read whole (``resendable=True``): a create whose answer is lost may be sent again
with the same run id (docs/architecture.md, "Creating a run"), and a half-read file cannot be. A
knowledge upload is sent once, so its file is streamed: RequestsTransport reads an open file in
64 KiB blocks while it sends the body (transports/_multipart.py), and a large upload is never held
whole in memory.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
from typing import IO, Any, List, Optional, Sequence, Tuple, Union, cast

from ..transports.base import FileField

__all__ = ["FileInput", "file_fields", "upload_field"]

#: A file to upload with a run: a path, raw bytes with a name ``(filename, content[, content_type])``,
#: or an open binary file.
FileInput = Union[str, "os.PathLike[str]", Tuple[str, bytes], Tuple[str, bytes, str], IO[bytes]]

_SHAPES = "a path, bytes, a (filename, bytes[, content_type]) tuple, a binary file object or an agno File"


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def upload_field(field: str, item: Any, stack: contextlib.ExitStack, *, resendable: bool) -> FileField:
    """The multipart field ``field`` for one file. A path is opened on ``stack`` (closed when the
    caller's request is done); with ``resendable`` a path or file object is read whole, else it
    is handed to the transport open, to be streamed.

    Example:
        ```python
        with contextlib.ExitStack() as stack:
            fields = [upload_field("file", "guide.pdf", stack, resendable=False)]
        ```
    """
    if isinstance(item, (str, os.PathLike)):
        path = os.fspath(item)
        name = os.path.basename(path)
        fh = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - closed by the caller's stack
        return (field, (name, fh.read() if resendable else fh, _content_type(name)))
    if isinstance(item, (bytes, bytearray)):
        return (field, ("upload", bytes(item), "application/octet-stream"))
    if isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[1], (bytes, bytearray)):
        name = str(item[0])
        return (field, (name, bytes(item[1]), str(item[2]) if len(item) == 3 else _content_type(name)))
    if hasattr(item, "read"):
        name = os.path.basename(str(getattr(item, "name", "upload")))
        if not resendable:
            return (field, (name, cast(IO[bytes], item), _content_type(name)))
        content = item.read()
        if not isinstance(content, bytes):
            raise TypeError("file objects to upload must be opened in binary mode")
        return (field, (name, content, _content_type(name)))
    content = getattr(item, "content", None)  # agno.media.File and look-alikes
    if isinstance(content, (bytes, bytearray)):
        name = str(getattr(item, "filename", None) or "upload")
        return (field, (name, bytes(content), str(getattr(item, "mime_type", None) or _content_type(name))))
    raise TypeError(f"each file must be {_SHAPES}; got {type(item).__name__}")


def file_fields(files: Optional[Sequence[FileInput]]) -> Optional[List[FileField]]:
    """The multipart ``files`` fields of a run's files, read whole (None when there are none).

    Example:
        ```python
        file_fields(["report.pdf", ("notes.txt", b"hello")])
        ```
    """
    if not files:
        return None
    if isinstance(files, (str, bytes)):
        raise TypeError("files must be a list of files, not a single str/bytes")
    with contextlib.ExitStack() as stack:
        return [upload_field("files", item, stack, resendable=True) for item in files]
