"""Import TensorFlow once, with its native start-up notices muted.

TensorFlow's C++ logging prints oneDNN / CPU-feature notices to file descriptor 2
before `TF_CPP_MIN_LOG_LEVEL` takes effect; learners read them as errors. Python
exceptions are unaffected: only the native stream is redirected, only during import.
"""

from __future__ import annotations

import os
import sys


def import_tensorflow_quietly() -> None:
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401

            # No operation runs here: the devices and a multi-worker strategy can only be
            # configured before TensorFlow's first operation (training/distributed.py).
    finally:
        os.dup2(saved, 2)
        os.close(saved)
