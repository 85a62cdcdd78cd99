"""Uploaded files: read with a size limit, type-checked, written only into the studio's scratch folder."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from tfjourney.errors import TfjourneyError
from tfjourney.studio.errors import ApiError

CHUNK = 1024 * 1024


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """The file's bytes; 413 as soon as it passes `limit`, 400 when it is empty."""
    parts, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"{upload.filename} is larger than the studio's upload limit of {limit // (1024 * 1024)} MB; "
                                "upload a smaller file.")
        parts.append(chunk)
    if not size:
        raise ApiError(400, f"{upload.filename or 'the upload'} is empty; choose a file with content.")
    return b"".join(parts)


def check_image(name: str | None, content: bytes) -> str:
    """The image's suffix after checking the name and that Pillow can decode it (the images kind's check)."""
    from tfjourney.kinds import get_kind

    return get_kind("images").function("check_upload")(name, content)


def check_csv(name: str | None, content: bytes) -> None:
    """A text CSV with a header row (the table kind's check; the playground reads text, not workbooks)."""
    from tfjourney.errors import UnsupportedFileError
    from tfjourney.kinds import get_kind

    if get_kind("table").function("check_upload")(name, content) not in (".csv", ".tsv"):
        raise UnsupportedFileError(f"{name} is not a CSV file; the playground reads a .csv with a header row.")


def save_scratch(scratch: Path, suffix: str, content: bytes) -> Path:
    """Write bytes to a new file with a server-chosen name in the scratch folder (never a client path)."""
    path = scratch / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(content)
    return path


@contextmanager
def naming_uploads(staged: dict[str, str]) -> Iterator[None]:
    """Library errors raised inside name the uploaded files, not their staged copies, and carry no raw exception text.

    A page must not show the server's scratch path or a decoder's internals ("…/9c7d….jpg is not a
    readable image (OSError: image file is truncated …)"): it shows "photo.jpg is not a readable image. …".

    Args:
        staged: staged path -> the name the file was uploaded under.
    """
    try:
        yield
    except TfjourneyError as exc:
        raise type(exc)(upload_message(str(exc), staged)) from None


_EXCEPTION_TEXT = re.compile(r"\s*\((?:[A-Z]\w*(?:Error|Exception|Warning)|OSError)\b")


def upload_message(message: str, staged: dict[str, str]) -> str:
    """`message` with each staged path (full, or its file name) replaced by the upload's name and every
    "(SomeError: ...)" aside dropped."""
    for path, name in sorted(staged.items(), key=lambda item: -len(item[0])):
        message = message.replace(path, name).replace(Path(path).name, name)
    while match := _EXCEPTION_TEXT.search(message):
        depth, end = 0, match.end()
        for end in range(message.index("(", match.start()), len(message)):
            depth += {"(": 1, ")": -1}.get(message[end], 0)
            if depth == 0:
                break
        message = message[: match.start()] + message[end + 1 :]
    return message
