"""Converters print progress from C++ and Python; a user wants one line per format.

`captured_output()` sends file descriptors 1 and 2 to a temporary file for the duration,
so native prints are caught too, and keeps the text for an error message if the step fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator


class Captured:
    text: str = ""


@contextlib.contextmanager
def captured_output() -> Iterator[Captured]:
    captured = Captured()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    with tempfile.TemporaryFile(mode="w+b") as sink, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf_logger.setLevel(logging.ERROR)
        for fd in saved:
            os.dup2(sink.fileno(), fd)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            tf_logger.setLevel(level)
            sink.seek(0)
            captured.text = sink.read().decode(errors="replace")
