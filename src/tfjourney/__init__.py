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

# Register tfjourney's custom Keras layers (FillMissing), so a run's model.keras loads
# with plain `import tfjourney, keras; keras.saving.load_model(...)` in a fresh process.
from tfjourney.models import layers as _layers  # noqa: E402,F401
