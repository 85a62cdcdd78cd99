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

from tfjourney._tensorflow import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

# Register FillMissing, which tabular runs saved before 2026-11 name, so old run folders
# still load after `import tfjourney`; new models need no custom layer at all.
from tfjourney.models import layers as _layers  # noqa: E402,F401
