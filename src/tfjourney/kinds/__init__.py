"""Kinds of input: one adapter per input format (tables, images, ...), registered once.

A blueprint's `Registration` names its kind. The kind owns everything that depends on the
input format, so no front end ever asks "image or table?":

- reading the inputs of `predict` and `evaluate` (`predict`, `evaluate`);
- decoding one TF Serving request body for serve and the studio (`decode`, `outputs`);
- building sample inputs for export and describing them in its manifest (`samples`, `describe_input`);
- what the studio accepts as an upload (`upload`, `check_upload`) and which Explainer it offers (`explainer`).

A kind is a module, `tfjourney.kinds.<name>`, that defines those functions and a `KIND`
value; `get_kind(name)` imports it on first use, so adding a kind is adding one module.
A kind living elsewhere (a plug-in, a test) registers itself with `register_kind`.

Example:
    >>> from tfjourney.kinds import get_kind
    >>> get_kind("images").upload.multiple
    True
    >>> decode = get_kind("table").function("decode")  # imports the kind's heavy parts now
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from tfjourney.errors import ConfigError

# What every kind module defines (the front ends call exactly these).
KIND_FUNCTIONS = ("predict", "evaluate", "decode", "outputs", "samples", "describe_input", "check_upload")


@dataclass(frozen=True)
class Upload:
    """What the studio's Predict page accepts for runs of a kind.

    Attributes:
        accept: the file input's `accept` attribute, e.g. "image/*" or ".csv,text/csv".
        multiple: whether several files go in one request.
        hint: what to upload, in words.
    """

    accept: str
    multiple: bool
    hint: str


@dataclass(frozen=True)
class Kind:
    """One input format and the module that implements it.

    Attributes:
        name: "table", "images", ...
        module: the module defining `KIND_FUNCTIONS`, imported on first use.
        upload: what the studio accepts.
        explainer: the studio Explainer view for this kind ("images", "text"), or None for none.
        report_section: the report's results section for this kind ("image"); None: the task's
            ("regression", "classification", "forecast").
        forecasts_ahead: its `predict` also takes `steps` (forecast N steps past the data) and `plot`
            (draw the forecast there), as a series does.
    """

    name: str
    module: str
    upload: Upload
    explainer: str | None = None
    report_section: str | None = None
    forecasts_ahead: bool = False

    def function(self, name: str) -> Callable[..., Any]:
        """The kind's `name` function (one of `KIND_FUNCTIONS`)."""
        if name not in KIND_FUNCTIONS:
            raise ConfigError(f"kinds have no function {name!r}; they define: {', '.join(KIND_FUNCTIONS)}.")
        return getattr(importlib.import_module(self.module), name)

    def to_dict(self) -> dict:
        """What a web page needs to know: name, upload, explainer (never the module)."""
        return {"name": self.name, "upload": asdict(self.upload), "explainer": self.explainer}


@dataclass
class Sample:
    """Model inputs keyed by input name, and the true labels (class indices, or target values)."""

    inputs: dict[str, Any]
    labels: Any

    def __len__(self) -> int:
        return len(self.labels)


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    """Make `kind` known under its name (a kind module defines `KIND`; this is for kinds elsewhere)."""
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> Kind:
    """The kind called `name`: registered, or the `KIND` of module `tfjourney.kinds.<name>`."""
    if name not in KINDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise ConfigError(f"unknown kind of input {name!r}; add a module tfjourney/kinds/{name}.py, "
                              "or call tfjourney.kinds.register_kind first.") from None
        register_kind(module.KIND)
    return KINDS[name]
