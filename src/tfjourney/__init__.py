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
    TfjourneyWarning,
    WeightsError,
)

__all__ = [
    "__version__",
    "TfjourneyError",
    "TfjourneyWarning",
    "DataError",
    "ConfigError",
    "RunFolderError",
    "DownloadError",
    "WeightsError",
]

# TensorFlow is imported only where it is needed (data loaders, models, training, pipelines), so
# `tfjourney --help`, `tfjourney blueprint` and `tfjourney datasets` start in a fraction of a second.
# Those packages import it through tfjourney._tensorflow, which mutes its native start-up notices.
