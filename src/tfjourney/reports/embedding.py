"""Figures inside self-contained pages: PNG files and matplotlib figures as data URIs, relative links."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

from PIL import Image


def embed_png(path: Path, max_width: int | None = None, colors: int | None = None, dither: bool = False) -> str:
    """A PNG as a data URI; `max_width` downsizes it (thumbnails) and `colors` reduces it to a palette so pages stay light.

    A palette of 256 colours is invisible on colormap figures (viridis grids, heatmaps) and makes them about 4x
    smaller; `dither` smooths the banding a photo would otherwise show.
    """
    data = path.read_bytes()
    if max_width is not None:
        data = _downscale(data, max_width)
    if colors is not None:
        data = _palette(data, colors, dither)
    return "data:image/png;base64," + base64.b64encode(data).decode()


def embed_figure(fig) -> str:
    """A matplotlib figure as a PNG data URI, saved like every plot (``plots.save_figure``) and closed."""
    from tfjourney.plots import save_figure

    buffer = io.BytesIO()
    save_figure(fig, buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def relative_link(target: Path, page: Path) -> str:
    """A link from `page` to `target` that survives moving both together."""
    return Path(os.path.relpath(Path(target).resolve(), Path(page).resolve().parent)).as_posix()


def _downscale(data: bytes, max_width: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        if image.width <= max_width:
            return data
        height = max(1, round(image.height * max_width / image.width))
        small = image.convert("RGB").resize((max_width, height), Image.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def _palette(data: bytes, colors: int, dither: bool) -> bytes:
    """The PNG re-encoded with at most `colors` colours (kept as is when that would not make it smaller)."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        if dither:
            small = rgb.quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
        else:
            small = rgb.quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue() if len(buffer.getvalue()) < len(data) else data
