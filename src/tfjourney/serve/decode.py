"""TF Serving request bodies -> what the run's model predicts from, through the run's kind of input.

The body holds `{"instances": [...]}` (row format: one entry per example) or `{"inputs": ...}`
(columnar), never both. How one example is written (an object of columns, an image, a text)
is the kind's business (`tfjourney.kinds.<kind>.decode`); a body it cannot read is a
`DataError`, which the server answers with 400 and the message.
"""

from __future__ import annotations

from typing import Any

from tfjourney.serve.errors import ServeError
from tfjourney.serve.limits import MAX_INSTANCES
from tfjourney.serve.models import ServedModel


def decode_request(served: ServedModel, instances: list | None, inputs: Any):
    """The body's examples, decoded for `served` (400 naming the problem when they do not fit)."""
    if (instances is None) == (inputs is None):
        raise ServeError(400, 'send exactly one of "instances" (row format) or "inputs" (columnar format).')
    if isinstance(instances, list):
        _check_count(len(instances))
    batch = served.decode(instances, inputs)
    _check_count(len(batch))
    return batch


def _check_count(n: int) -> None:
    if n == 0:
        raise ServeError(400, "the request holds no examples; send at least one.")
    if n > MAX_INSTANCES:
        raise ServeError(400, f"the request holds {n} examples; send at most {MAX_INSTANCES} per request.")
