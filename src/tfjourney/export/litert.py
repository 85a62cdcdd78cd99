"""LiteRT (TFLite) flatbuffers: built-in ops only, optionally quantized, never Flex.

Conversion goes through Keras 3's `model.export(format="litert")` with SELECT_TF_OPS turned
off: a file that needs the Flex delegate is useless on most phones, so an op LiteRT does not
have fails the conversion instead, and the error names the column behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np

from tfjourney.export.graph import columns_named_in, export_signature
from tfjourney.export.quiet import captured_output

QUANTIZATIONS = ("none", "float16", "dynamic", "int8")
CALIBRATION_STEPS = 100


class UnsupportedInFormat(Exception):
    """A format cannot carry part of the model; the message names the column and what to do."""


def write_litert(
    model: keras.Model,
    path: Path,
    *,
    quantize: str = "none",
    representative: dict[str, np.ndarray] | None = None,
) -> Path:
    """Convert `model` to a `.tflite` file with built-in ops only.

    Args:
        model: the inference model.
        path: the file to write (ends with .tflite).
        quantize: "none" (float32), "float16" (float16 weights), "dynamic" (int8 weights,
            float activations) or "int8" (int8 weights and activations, float input/output).
        representative: model inputs from the training data, keyed by input name; required for "int8".

    Returns:
        `path`.

    Raises:
        UnsupportedInFormat: the model needs an op LiteRT has no built-in kernel for.
    """
    import tensorflow as tf

    options: dict = {"target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}}
    if quantize != "none":
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        options["target_spec"]["supported_types"] = [tf.float16]
    if quantize == "int8":
        if representative is None:
            raise ValueError("int8 quantization needs representative inputs from the training data")
        options["representative_dataset"] = _calibration(model, representative)
    try:
        with captured_output():
            model.export(str(path), format="litert", verbose=False, input_signature=export_signature(model), **options)
    except Exception as exc:  # the converter raises its own ConverterError/RuntimeError types
        path.unlink(missing_ok=True)
        raise UnsupportedInFormat(_explain(str(exc), model, quantize)) from None
    flex = flex_ops(path)
    if flex:
        path.unlink()
        raise UnsupportedInFormat(f"the LiteRT file would need TensorFlow (Flex) ops {', '.join(flex)}, which phones lack.")
    return path


def _calibration(model: keras.Model, representative: dict[str, np.ndarray]) -> Callable[[], Iterator]:
    names = [t.name for t in model.inputs]
    n = len(representative[names[0]])

    def examples():
        for i in range(min(n, CALIBRATION_STEPS)):
            yield {name: representative[name][i : i + 1] for name in names}

    return examples


def _explain(message: str, model: keras.Model, quantize: str) -> str:
    ops = sorted(set(_op_names(message)))
    columns = columns_named_in(message, model)
    what = f"op(s) {', '.join(ops)}" if ops else f"part of the model ({_first_error(message)})"
    where = f" (needed for column(s) {', '.join(repr(c) for c in columns)})" if columns else ""
    mode = "" if quantize == "none" else f" with `quantize` {quantize}"
    fix = "use the saved_model or onnx export instead" if quantize == "none" else "try another `quantize`, or none"
    return f"LiteRT has no built-in kernel{mode} for {what}{where}; a phone would need the Flex delegate, so no .tflite was written: {fix}."


def _first_error(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return next((line for line in lines if "error" in line.lower()), lines[0] if lines else "conversion failed")[:160]


def _op_names(message: str) -> list[str]:
    import re

    return re.findall(r"'(?:tf|tfl)\.(\w+)'", message) or re.findall(r'fused\["(\w+):', message)


def flex_ops(path: Path) -> list[str]:
    """Names of the Flex (SELECT_TF_OPS) custom ops in a .tflite file: empty for a portable file."""
    from ai_edge_litert import schema_py_generated as schema

    tflite = schema.ModelT.InitFromObj(schema.Model.GetRootAs(Path(path).read_bytes(), 0))
    custom = [code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
              for code in (tflite.operatorCodes or []) if code.customCode]
    return sorted(name for name in custom if name.startswith("Flex"))


def operator_names(path: Path) -> list[str]:
    """Every operator a .tflite file uses (built-in names, custom codes as they are)."""
    from ai_edge_litert import schema_py_generated as schema

    tflite = schema.ModelT.InitFromObj(schema.Model.GetRootAs(Path(path).read_bytes(), 0))
    by_code = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    names = set()
    for code in tflite.operatorCodes or []:
        if code.customCode:
            names.add(code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode)
        else:
            names.add(by_code.get(max(code.builtinCode, code.deprecatedBuiltinCode), str(code.builtinCode)))
    return sorted(names)
