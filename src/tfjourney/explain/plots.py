"""The figures of `tfjourney explain`: feature-map grids, first-layer filters, Grad-CAM overlays.

Each takes arrays from :mod:`tfjourney.explain.compute` and only draws them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tfjourney.explain.compute import upsample
from tfjourney.plots import plt, save_figure

MAX_CHANNELS = 32
MAX_FILTERS = 64
GRID_COLUMNS = 8
OVERLAY_ALPHA = 0.45


def _no_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _strongest_channels(maps: np.ndarray, limit: int) -> np.ndarray:
    """All channels when few, else the `limit` most active ones (mean activation), in index order."""
    n = maps.shape[-1]
    if n <= limit:
        return np.arange(n)
    return np.sort(np.argsort(maps.mean(axis=(0, 1)))[::-1][:limit])


def plot_feature_maps(name: str, maps: np.ndarray, path: Path | str | None = None) -> plt.Figure:
    """A grid of one layer's channels (viridis, no ticks), layer name and shape in the title."""
    channels = _strongest_channels(maps, MAX_CHANNELS)
    cols = min(GRID_COLUMNS, len(channels))
    rows = int(np.ceil(len(channels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.6 * rows + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, channel in zip(axes.ravel(), channels):
        ax.axis("on")
        ax.imshow(maps[..., channel], cmap="viridis", interpolation="nearest")
        ax.set_title(f"#{channel}", fontsize=8)
        _no_ticks(ax)
    shown = "" if len(channels) == maps.shape[-1] else f", {len(channels)} most active of {maps.shape[-1]} channels"
    fig.suptitle(f"{name}: {maps.shape[0]}×{maps.shape[1]}×{maps.shape[2]}{shown}", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def _tile(kernel: np.ndarray) -> np.ndarray:
    """One filter [kh, kw, in] as an RGB tile, min-max normalised on its own."""
    rgb = kernel[..., :3] if kernel.shape[-1] >= 3 else np.repeat(kernel.mean(axis=-1, keepdims=True), 3, axis=-1)
    low, high = rgb.min(), rgb.max()
    return (rgb - low) / (high - low) if high > low else np.zeros_like(rgb)


def plot_filters(kernels: np.ndarray, path: Path | str | None = None, title: str = "") -> plt.Figure:
    """The first layer's filters as small RGB tiles: what colour/edge pattern each one looks for."""
    n = min(kernels.shape[-1], MAX_FILTERS)
    cols = min(GRID_COLUMNS * 2, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(0.75 * cols, 0.85 * rows + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, ax in enumerate(axes.ravel()[:n]):
        ax.imshow(_tile(kernels[..., i]), interpolation="nearest")
        ax.set_title(f"#{i}", fontsize=7)
    kh, kw, channels_in, count = kernels.shape
    fig.suptitle(title or f"First-layer filters: {count} × {kh}×{kw}×{channels_in}", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_grad_cam(display: np.ndarray, heatmap: np.ndarray, title: str, path: Path | str | None = None) -> plt.Figure:
    """Original | heatmap | overlay, side by side, the heatmap upsampled onto the image."""
    big = upsample(heatmap, display.shape[:2])
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
    image = np.clip(display / 255.0, 0, 1)
    axes[0].imshow(image)
    axes[0].set_title("image")
    shown = axes[1].imshow(big, cmap="jet", vmin=0, vmax=1)
    axes[1].set_title(f"Grad-CAM ({heatmap.shape[0]}×{heatmap.shape[1]}, upsampled)")
    fig.colorbar(shown, ax=axes[1], fraction=0.046, pad=0.04)
    axes[2].imshow(image)
    axes[2].imshow(big, cmap="jet", alpha=OVERLAY_ALPHA, vmin=0, vmax=1)
    axes[2].set_title("overlay")
    for ax in axes:
        _no_ticks(ax)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def gradcam_title(explained: str, p_explained: float, predicted: str, p_predicted: float, asked: bool, layer: str) -> str:
    """The Grad-CAM figure's title: which class is explained, why, how likely it is, and at which layer.

    >>> gradcam_title("steak", 0.916, "steak", 0.916, False, "top_activation")
    "Grad-CAM for 'steak' (predicted, 91.6%) — layer top_activation"
    >>> gradcam_title("omelette", 0.051, "steak", 0.916, True, "top_activation")
    "Grad-CAM for 'omelette' (asked for; predicted: steak 91.6%) — p(omelette) = 5.1%, layer top_activation"
    """
    if not asked:
        return f"Grad-CAM for {explained!r} (predicted, {p_predicted:.1%}) — layer {layer}"
    if explained == predicted:
        return f"Grad-CAM for {explained!r} (asked for, also predicted, {p_predicted:.1%}) — layer {layer}"
    return (f"Grad-CAM for {explained!r} (asked for; predicted: {predicted} {p_predicted:.1%}) — "
            f"p({explained}) = {p_explained:.1%}, layer {layer}")
