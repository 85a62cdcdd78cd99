"""The exceptions tfjourney raises for bad input.

Every message is one line that says what was wrong *and* how to fix it; the CLI
prints it and exits with code 2 instead of showing a traceback. A message names a
setting by its keyword argument in backticks (`out`); each front end shows those
names its own way through `show_setting_names` (the CLI as flags, the studio as plain
words, a report as code).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SETTING_NAME = re.compile(r"`(\w+)`")


def show_setting_names(message: str, show: Callable[[str], str]) -> str:
    """`message` with every backticked setting name (`keep`) replaced by `show(name)`."""
    return _SETTING_NAME.sub(lambda match: show(match.group(1)), message)


class TfjourneyError(Exception):
    """Base class: a problem the user can fix by changing their input."""


class DataError(TfjourneyError, ValueError):
    """The data (a CSV, an image folder, a dataset name) cannot be used as given."""


class UnsupportedFileError(DataError):
    """A file of a type this input cannot be read from (a web front end answers 415)."""


class ConfigError(TfjourneyError, ValueError):
    """An option or hyperparameter value is out of range or inconsistent."""


class RunFolderError(TfjourneyError):
    """A run folder is missing, incomplete, of the wrong kind, or would be overwritten."""


class UnknownRunError(RunFolderError):
    """No run has the id asked for (the studio answers 404)."""


class DownloadError(TfjourneyError):
    """A dataset or weights file could not be fetched or failed its checksum."""


class WeightsError(TfjourneyError):
    """A weights file is unsafe, of the wrong architecture, or unavailable."""


class TfjourneyWarning(UserWarning):
    """Something the user should know that does not stop the run (dropped rows, skipped images)."""


class TfjourneyNotice(TfjourneyWarning):
    """A decision tfjourney made for the user that they might not guess (a column left out, dates split into parts)."""
