"""The exceptions tfjourney raises for bad input.

Every message is one line that says what was wrong *and* how to fix it; the CLI
prints it and exits with code 2 instead of showing a traceback.
"""


class TfjourneyError(Exception):
    """Base class: a problem the user can fix by changing their input."""


class DataError(TfjourneyError, ValueError):
    """The data (a CSV, an image folder, a dataset name) cannot be used as given."""


class ConfigError(TfjourneyError, ValueError):
    """An option or hyperparameter value is out of range or inconsistent."""


class RunFolderError(TfjourneyError):
    """A run folder is missing, incomplete, of the wrong kind, or would be overwritten."""


class DownloadError(TfjourneyError):
    """A dataset or weights file could not be fetched or failed its checksum."""


class WeightsError(TfjourneyError):
    """A weights file is unsafe, of the wrong architecture, or unavailable."""


class TfjourneyWarning(UserWarning):
    """Something the user should know that does not stop the run (dropped rows, skipped images)."""


class TfjourneyNotice(TfjourneyWarning):
    """A decision tfjourney made for the user that they might not guess (a column left out, dates split into parts)."""
