"""Uploaded files: read with a size limit, type-checked, written only into the studio's scratch folder."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from fastapi import UploadFile

from tfjourney.data.image_files import IMAGE_EXTENSIONS
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


def _suffix(name: str | None) -> str:
    return Path(name or "").suffix.lower()


def check_image(name: str | None, content: bytes) -> str:
    """The image's suffix after checking the name and that Pillow can decode it; 415 / 400 otherwise."""
    from PIL import Image, UnidentifiedImageError

    suffix = _suffix(name)
    if suffix not in IMAGE_EXTENSIONS:
        raise ApiError(415, f"{name} is not an image file the models read; upload a {', '.join(sorted(IMAGE_EXTENSIONS))} file.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ApiError(400, f"{name} is not a readable image ({type(exc).__name__}); upload a real "
                            f"{suffix.lstrip('.').upper()} photo or re-save it from an image editor.") from None
    return suffix


def check_csv(name: str | None, content: bytes) -> None:
    if _suffix(name) not in (".csv", ".txt"):
        raise ApiError(415, f"{name} is not a CSV file; upload a .csv with a header row.")
    if b"\x00" in content[:4096]:
        raise ApiError(400, f"{name} looks binary, not text; upload a comma-separated text file.")


def save_scratch(scratch: Path, suffix: str, content: bytes) -> Path:
    """Write bytes to a new file with a server-chosen name in the scratch folder (never a client path)."""
    path = scratch / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(content)
    return path
