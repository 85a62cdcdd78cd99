"""tfjourney.progress: live bars on a terminal, one line per phase in a log, nothing when silent."""

from __future__ import annotations

import io

from tfjourney.progress import Progress, per_second


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_mode_follows_the_stream():
    assert Progress.for_stream(_Terminal()).mode == "live"
    assert Progress.for_stream(io.StringIO()).mode == "lines"
    assert Progress.for_stream(_Terminal(), quiet=True).mode == "silent"
    assert Progress.silent().mode == "silent"


def test_a_log_gets_one_line_per_phase_and_per_milestone():
    out = io.StringIO()
    progress = Progress.for_stream(out)
    with progress.phase("scanning images", total=3, unit="img") as phase:
        for _ in range(3):
            phase.update()
        phase.line("milestone")
        phase.done("scanned 3 images")
    with progress.phase("evaluating"):
        pass
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["milestone", "scanned 3 images"]
    assert lines[2].startswith("evaluating: done in 00:0") and len(lines) == 3
    assert "\r" not in out.getvalue()


def test_a_terminal_gets_a_bar_replaced_by_its_summary():
    out = _Terminal()
    progress = Progress.for_stream(out)
    with progress.phase("scanning images", total=50, unit="img") as phase:
        for _ in range(50):
            phase.update()
        phase.done("scanned 50 images")
    text = out.getvalue()
    assert "scanning images" in text and "\r" in text  # the bar was drawn in place
    assert text.rstrip().endswith("scanned 50 images")


def test_silent_writes_nothing_and_failed_phases_have_no_summary():
    out = io.StringIO()
    with Progress(out, "silent").phase("x", total=2) as phase:
        phase.update(2)
    try:
        with Progress(out, "lines").phase("doomed"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert out.getvalue() == ""


def test_a_phase_is_a_progress_bar_for_pooch():
    """pooch sets total (each attempt), updates, resets and closes; the summary is ours."""
    out = io.StringIO()
    phase = Progress.for_stream(out).phase("downloading", unit="B")
    phase.total = 100
    phase.update(60)
    phase.total = 100  # a retry starts the count again
    phase.update(100)
    phase.reset()
    phase.update(100)
    phase.close()
    assert phase.n == 100 and out.getvalue() == ""
    phase.done("downloaded 100 B")
    assert out.getvalue() == "downloaded 100 B\n"


def test_per_second_summary():
    assert per_second("embedded", 1500, "images", 12.0) == "embedded 1,500 images in 00:12 (125 images/s)"
