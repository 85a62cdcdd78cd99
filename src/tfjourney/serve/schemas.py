"""Request and response bodies of TF Serving's REST API, as pydantic models (they drive /docs).

The request body's shape is checked here, once, at the edge: TF Serving's grammar allows
`{"instances": [...]}` (row format) or `{"inputs": ...}` (columnar format), and a value inside
either is a number, a string, a boolean, null, a list of values, or `{"b64": "<base64>"}`;
objects keyed by input name appear only as an instance or as the whole of `inputs`. A body of
any other shape is refused with 400 naming where it breaks the grammar, before any model's
decoder sees it, so the decoders may trust the shapes they are given: `instances` is a list,
`inputs` a list or an object whose every input holds a list of examples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

BODY_ERROR = "tf_serving_body"  # the pydantic error type the serve error handler shows as it is
MAX_DEPTH = 8  # nesting a value may have: an image row is 3 deep, a batch of images 4
SEND = 'send {"instances": [...]} or {"inputs": {...}}'


class ErrorBody(BaseModel):
    """Every error the server answers: one line naming the problem and the fix."""

    error: str = Field(description="what was wrong and what to send instead")


class PredictRequest(BaseModel):
    """`{"instances": [...]}` (row format) or `{"inputs": ...}` (columnar format); `signature_name` is accepted."""

    signature_name: str | None = Field(default=None, description='only "serving_default" exists')
    instances: list[Any] | None = Field(default=None, description='one entry per example, e.g. [{"age": 40, "smoker": "no"}] or [{"b64": "..."}]')
    inputs: dict[str, Any] | list[Any] | None = Field(
        default=None, description='input name -> one value per example, e.g. {"age": [40, 51]}, or a list of examples for a single input')

    @model_validator(mode="before")
    @classmethod
    def _tf_serving_shape(cls, data: Any) -> Any:
        check_body(data)
        inputs = data.get("inputs")
        if isinstance(inputs, dict) and not _is_b64(inputs):  # a named input given one value holds one example
            data = {**data, "inputs": {key: value if isinstance(value, list) else [value] for key, value in inputs.items()}}
        return data


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError(BODY_ERROR, message)


def check_body(data: Any) -> None:
    """Raise (as a pydantic error the handler shows verbatim) when `data` is not a body TF Serving's grammar allows.

    Args:
        data: the parsed JSON body.
    """
    if not isinstance(data, dict):
        raise _refuse(f"the body is a JSON {_json_type(data)}, not an object; {SEND}.")
    signature, instances, inputs = data.get("signature_name"), data.get("instances"), data.get("inputs")
    if signature is not None and not isinstance(signature, str):
        raise _refuse(f'"signature_name" is a {_json_type(signature)}; send the string "serving_default" or leave it out.')
    if (instances is None) == (inputs is None):
        raise _refuse(f'send exactly one of "instances" (row format) or "inputs" (columnar format); {SEND}.')
    if instances is not None:
        if not isinstance(instances, list):
            raise _refuse(f'"instances" is a {_json_type(instances)}; send a list with one entry per example, e.g. '
                          '[{"age": 40}] or [{"b64": "..."}].')
        for i, instance in enumerate(instances):
            _check_named_or_value(instance, f"instances[{i}]")
        return
    if not isinstance(inputs, (dict, list)):
        raise _refuse(f'"inputs" is a {_json_type(inputs)}; send an object of input name -> one value per example, '
                      'e.g. {"age": [40, 51]}, or a list with one entry per example.')
    _check_named_or_value(inputs, "inputs")


def _check_named_or_value(item: Any, where: str) -> None:
    """An instance, or the whole of `inputs`: an object keyed by input name (each a value), or a value itself."""
    if isinstance(item, dict) and not _is_b64(item):
        for key, value in item.items():
            _check_value(value, f"{where}.{key}")
    else:
        _check_value(item, where)


def _check_value(value: Any, where: str) -> None:
    """A tensor value: scalars, lists of values (at most MAX_DEPTH deep) and {"b64": "..."}; walked without recursion."""
    if isinstance(value, list) and _is_regular_numbers(value):
        return  # an image or a row of numbers: checked in one NumPy pass instead of one Python step per value
    stack = [(value, where, 0)]
    while stack:
        item, at, depth = stack.pop()
        if isinstance(item, list):
            if depth >= MAX_DEPTH:
                raise _refuse(f"{at} is nested more than {MAX_DEPTH} lists deep; send one list level per tensor dimension.")
            stack.extend((v, f"{at}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, dict):
            if not _is_b64(item):
                raise _refuse(f'{at} is an object with keys {sorted(item)[:5]}; inside a value the only object is '
                              '{"b64": "<base64>"}, and input names belong at the top of an instance or of "inputs".')
            if not isinstance(item["b64"], str):
                raise _refuse(f'{at}.b64 is a {_json_type(item["b64"])}; send the file\'s bytes base64-encoded, as a string.')
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and not _finite(item):
            shown = item if isinstance(item, float) else f"a {len(str(abs(item)))}-digit integer"
            raise _refuse(f"{at} is {shown} (a number too large for a float); send a finite number, or null for a missing value.")


def _finite(number: int | float) -> bool:
    """Whether `number` is a finite float (an integer of 400 digits is not: float() overflows)."""
    try:
        return math.isfinite(float(number))
    except OverflowError:
        return False


def _is_regular_numbers(value: list) -> bool:
    """Whether `value` is a rectangular nest of finite numbers (or nulls) at most MAX_DEPTH deep."""
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError, OverflowError):
        return False
    return array.ndim <= MAX_DEPTH and not np.isinf(array).any()


def _is_b64(item: dict) -> bool:
    return len(item) == 1 and "b64" in item


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


class PredictResponse(BaseModel):
    """`predictions` (row request) or `outputs` (columnar request), as TF Serving answers; `tfjourney` adds
    class names and probabilities (or the predicted value) per example, which TF Serving clients ignore."""

    predictions: list[Any] | None = None
    outputs: list[Any] | None = None
    tfjourney: list[dict[str, Any]]


class ModelStatus(BaseModel):
    model_version_status: list[dict[str, Any]]


class ModelMetadata(BaseModel):
    model_spec: dict[str, Any]
    metadata: dict[str, Any]
