"""tfjourney: the TensorFlow Developer Certificate learning journey as a tested toolkit."""

import os as _os

_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

from tfjourney.errors import (  # noqa: E402
    ConfigError,
    DataError,
    DownloadError,
    RunFolderError,
    TfjourneyError,
    WeightsError,
)

__all__ = [
    "__version__",
    "TfjourneyError",
    "DataError",
    "ConfigError",
    "RunFolderError",
    "DownloadError",
    "WeightsError",
]
