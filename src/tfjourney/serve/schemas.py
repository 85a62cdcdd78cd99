"""Request and response bodies of TF Serving's REST API, as pydantic models (they drive /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PredictRequest(BaseModel):
    """`{"instances": [...]}` (row format) or `{"inputs": ...}` (columnar format); `signature_name` is accepted."""

    signature_name: str | None = Field(default=None, description='only "serving_default" exists')
    instances: list[Any] | None = Field(default=None, description='one entry per example, e.g. [{"age": 40, "smoker": "no"}] or [{"b64": "..."}]')
    inputs: Any | None = Field(default=None, description='input name -> one value per example, e.g. {"age": [40, 51]}')


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
