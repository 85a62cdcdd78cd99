"""ONNX via tf2onnx (the converter Keras 3's own `format="onnx"` uses), for ONNX Runtime.

tf2onnx logs a node it cannot convert and still writes a file; that file is broken, so any
conversion error it logs fails the export here (and the file is removed).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

import keras

from tfjourney.export.graph import columns_named_in
from tfjourney.export.litert import UnsupportedInFormat
from tfjourney.export.quiet import captured_output
from tfjourney.export.saved_model import write_saved_model


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def write_onnx(model: keras.Model, path: Path, *, saved_model: Path | None = None) -> Path:
    """Convert `model` to an ONNX file that ONNX Runtime loads, through its SavedModel.

    Going through the SavedModel (as `python -m tf2onnx.convert --saved-model` does) freezes
    every constant and hands tf2onnx the initialized lookup tables, so string columns become
    ONNX-ML CategoryMapper nodes; converting the live tf.function instead leaves constants as
    stray graph inputs.

    Args:
        model: the inference model.
        path: the .onnx file to write.
        saved_model: the model's SavedModel, if already written (else one is made and removed).

    Returns:
        `path`.

    Raises:
        UnsupportedInFormat: tf2onnx cannot convert part of the model (the column is named).
    """
    import onnx

    errors = _Errors()
    logger = logging.getLogger("tf2onnx")
    logger.addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="tfjourney-onnx-") as scratch:
            source = saved_model or write_saved_model(model, Path(scratch) / "saved_model")
            _convert(source, path)
    except Exception as exc:  # tf2onnx raises plain ValueError/KeyError/RuntimeError
        errors.messages.append(f"{type(exc).__name__}: {exc}")
    finally:
        logger.removeHandler(errors)
    if not errors.messages:
        try:
            onnx.checker.check_model(str(path))
        except onnx.checker.ValidationError as exc:
            errors.messages.append(str(exc))
    if errors.messages:
        path.unlink(missing_ok=True)
        text = "\n".join(errors.messages)
        columns = columns_named_in(text, model)
        where = f" for column(s) {', '.join(repr(c) for c in columns)}" if columns else ""
        first = errors.messages[0].strip().splitlines()[0][:160]
        raise UnsupportedInFormat(f"tf2onnx cannot convert part of the model{where} ({first}); use the saved_model or tflite export instead")
    return path


def _convert(saved_model: Path, path: Path) -> None:
    import tensorflow as tf

    with captured_output():
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()  # tf2onnx 1.17 still uses NumPy 1 aliases; Keras's own ONNX export applies the same patch
        from tf2onnx import convert, tf_loader

        graph_def, inputs, outputs, tables, renames = tf_loader.from_saved_model(
            str(saved_model), None, None, "serve", ["serving_default"], None, False,
            return_initialized_tables=True, return_tensors_to_rename=True,
        )
        with tf.device("/cpu:0"), _nan_safe_select():
            convert._convert_common(  # the path of tf2onnx's own `--saved-model` command line
                graph_def, name=saved_model.name, input_names=inputs, output_names=outputs,
                tensors_to_rename=renames, initialized_tables=tables, output_path=str(path),
            )


@contextlib.contextmanager
def _nan_safe_select():
    """tf2onnx 1.17 turns a float `where(cond, x, y)` into `cond*x + (1-cond)*y` unless it sees that NaN is
    involved, and it misses `is_finite` (the missing-value fill of tabular models): NaN*0 is NaN, so a
    missing cell would poison the prediction. While converting, every select becomes ONNX `Where`."""
    from tf2onnx.onnx_opset.controlflow import Select

    arithmetic = Select.__dict__["version_7"]

    def where(cls, ctx, node, **kwargs):
        node.set_attr("handles_nan", True)
        Select.version_9(ctx, node, **kwargs)

    Select.version_7 = classmethod(where)
    try:
        yield
    finally:
        Select.version_7 = arithmetic
