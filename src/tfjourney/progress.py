"""Signs of life on long work: one live line per phase on a terminal, plain lines in a log.

A :class:`Progress` is handed to the pipelines; each long step (scanning images, embedding,
training, evaluating, downloading) is a :class:`Phase` that ends in a one-line summary.
Library code defaults to :meth:`Progress.silent`, so API users and tests see nothing unless
they ask for it.

Modes:
    ``"live"``: a tqdm bar redrawn in place (a terminal); the summary replaces it.
    ``"lines"``: no redraws: one line per epoch (:meth:`Phase.line`) and one summary per phase,
    for CI logs and pipes.
    ``"silent"``: nothing at all.

Example:
    >>> import sys
    >>> progress = Progress.for_stream(sys.stdout)   # live on a terminal, lines otherwise
    >>> with progress.phase("scanning images", total=3, unit="images") as phase:   # doctest: +SKIP
    ...     for _ in range(3):
    ...         phase.update()
    ...     phase.done("scanned 3 images")
    scanned 3 images
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

MODES = ("live", "lines", "silent")


def format_duration(seconds: float) -> str:
    """"00:41", "1:02:05": tqdm's clock format, so bars and summary lines agree."""
    return tqdm.format_interval(max(0.0, seconds))


class Progress:
    """Where and how phases report: a stream and a mode (``"live"``, ``"lines"`` or ``"silent"``).

    Args:
        stream: the text stream to write to (default: ``sys.stdout``).
        mode: one of ``MODES``.
    """

    def __init__(self, stream: TextIO | None = None, mode: str = "lines") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.stream = stream if stream is not None else sys.stdout
        self.mode = mode

    @classmethod
    def silent(cls) -> Progress:
        """A reporter that shows nothing: the default of every library function."""
        return cls(mode="silent")

    @classmethod
    def for_stream(cls, stream: TextIO | None = None, quiet: bool = False) -> Progress:
        """Live bars when ``stream`` is a terminal, plain lines otherwise, nothing when ``quiet``."""
        stream = stream if stream is not None else sys.stdout
        if quiet:
            return cls(stream, "silent")
        return cls(stream, "live" if _is_terminal(stream) else "lines")

    @property
    def enabled(self) -> bool:
        return self.mode != "silent"

    def phase(self, name: str, total: float | None = None, unit: str = "it", bar_format: str | None = None) -> Phase:
        """Start a phase: ``name`` labels its live bar, ``total`` steps of ``unit`` (None: unknown).

        ``bar_format`` is tqdm's, plus ``{text}``: the last :meth:`Phase.line`.
        """
        return Phase(self, name, total, unit, bar_format)

    def write(self, text: str) -> None:
        """One finished line (never redrawn); nothing when silent."""
        if self.enabled:
            tqdm.write(text, file=self.stream)
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Bar(tqdm):
    """A tqdm bar whose ``bar_format`` may show ``{text}``: an epoch's numbers, without tqdm's ", " postfix."""

    text = ""

    @property
    def format_dict(self) -> dict:
        return {**super().format_dict, "text": self.text}


class Phase:
    """One step of long work: advanced with :meth:`update`, ended with :meth:`done`.

    It also behaves like the tqdm object pooch's ``HTTPDownloader(progressbar=...)`` accepts
    (``total``, ``update``, ``reset``, ``close``), so downloads report through it too.
    """

    def __init__(self, progress: Progress, name: str, total: float | None, unit: str, bar_format: str | None) -> None:
        self.progress = progress
        self.name = name
        self.n: float = 0
        self.started = time.perf_counter()
        self._total = total
        self._finished = False
        self._bar = None
        if progress.mode == "live":
            scale = unit == "B"
            shown_unit = unit if scale or unit == "it" else f" {unit}"  # "12.5 images/s", not "12.5images/s"
            self._bar = _Bar(total=total, desc=name, unit=shown_unit, unit_scale=scale, unit_divisor=1024 if scale else 1000,
                             file=progress.stream, leave=False, dynamic_ncols=True, bar_format=bar_format)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def total(self) -> float | None:
        return self._total

    @total.setter
    def total(self, value: float | None) -> None:
        """Setting the total starts the count again (pooch does so at each download attempt)."""
        self._total = value
        self.reset()

    def update(self, n: float = 1) -> None:
        """Advance by ``n`` steps."""
        self.n += n
        if self._bar is not None:
            self._bar.update(n)

    def advance_to(self, n: float) -> None:
        """Move forward to ``n`` steps done (never back: late reports are ignored)."""
        if n > self.n:
            self.update(n - self.n)

    def status(self, text: str) -> None:
        """Text shown as the live bar's ``{text}`` for now (nothing in a log)."""
        if self._bar is not None:
            self._bar.text = text
            self._bar.refresh()

    def line(self, text: str) -> None:
        """A milestone such as one epoch: shown as the live bar's ``{text}``, or as its own line in a log."""
        if self._bar is not None:
            self._bar.text = text
            self._bar.refresh()
        else:
            self.progress.write(text)

    def reset(self) -> None:
        self.n = 0
        if self._bar is not None:
            self._bar.reset(total=self._total)

    def close(self) -> None:
        """Remove the live bar (its summary comes from :meth:`done`)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def done(self, summary: str | None = None) -> None:
        """End the phase with its one-line summary (default: the name and the time it took)."""
        if self._finished:
            return
        self._finished = True
        self.close()
        self.progress.write(summary or f"{self.name}: done in {format_duration(self.elapsed)}")

    def __enter__(self) -> Phase:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.done()
        else:  # the error says what went wrong; no summary of a phase that did not finish
            self._finished = True
            self.close()



def per_second(verb: str, count: int, what: str, seconds: float, unit: str | None = None) -> str:
    """"embedded 1,500 images in 00:12 (125 images/s)": the summary line of a counted phase.

    ``unit`` names the rate when ``what`` is longer ("test images" -> "images/s").
    """
    speed = count / seconds if seconds > 0 else 0.0
    return f"{verb} {count:,} {what} in {format_duration(seconds)} ({speed:,.0f} {unit or what}/s)"
