"""Uploaded files: read with a size limit, type-checked, written only into the studio's scratch folder."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import UploadFile

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
    """A text CSV with a header row (the table kind's check)."""
    from tfjourney.kinds import get_kind

    get_kind("table").function("check_upload")(name, content)


def save_scratch(scratch: Path, suffix: str, content: bytes) -> Path:
    """Write bytes to a new file with a server-chosen name in the scratch folder (never a client path)."""
    path = scratch / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(content)
    return path
