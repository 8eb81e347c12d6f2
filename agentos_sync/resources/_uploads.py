"""Files to upload with a run: paths, ``(name, bytes[, content type])`` tuples or binary files,
turned into the multipart ``files`` fields AgentOS reads."""

from __future__ import annotations

import mimetypes
import os
from typing import IO, List, Optional, Sequence, Tuple, Union

from ..transports.base import FileField

__all__ = ["FileInput", "file_fields"]

#: A file to upload with a run: a path, raw bytes with a name ``(filename, content[, content_type])``,
#: or an open binary file.
FileInput = Union[str, "os.PathLike[str]", Tuple[str, bytes], Tuple[str, bytes, str], IO[bytes]]


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_fields(files: Optional[Sequence[FileInput]]) -> Optional[List[FileField]]:
    """The multipart fields for ``files`` (None when there are none).

    Example:
        ```python
        file_fields(["report.pdf", ("notes.txt", b"hello")])
        ```
    """
    if not files:
        return None
    if isinstance(files, (str, bytes)):
        raise TypeError("files must be a list of files, not a single str/bytes")
    out: List[FileField] = []
    for item in files:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            with open(path, "rb") as fh:
                content = fh.read()
            name = os.path.basename(path)
            out.append(("files", (name, content, _content_type(name))))
        elif isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[1], (bytes, bytearray)):
            name = str(item[0])
            ctype = item[2] if len(item) == 3 else _content_type(name)
            out.append(("files", (name, bytes(item[1]), str(ctype))))
        elif not isinstance(item, tuple) and hasattr(item, "read"):
            content = item.read()
            if not isinstance(content, bytes):
                raise TypeError("file objects passed in files must be opened in binary mode")
            name = os.path.basename(str(getattr(item, "name", "upload")))
            out.append(("files", (name, content, _content_type(name))))
        else:
            raise TypeError(
                "each file must be a path, a (filename, bytes[, content_type]) tuple, or a binary file object; "
                f"got {type(item).__name__}"
            )
    return out
