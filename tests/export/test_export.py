"""`tfjourney export`: each format written, verified in a fresh process, described in manifest.json.

Conversions are slow, so each run is exported once per module and the tests read the result.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tfjourney.cli import main
from tfjourney.export import export_run
from tfjourney.export.graph import inference_model
from tfjourney.export.litert import UnsupportedInFormat, flex_ops, operator_names, write_litert


def _copy_run(run: Path, tmp_path_factory, name: str) -> Path:
    """A private copy: exporting writes export/ and re-renders report.html, which other tests' runs must not see."""
    target = tmp_path_factory.mktemp(name) / run.name
    shutil.copytree(run, target)
    return target


@pytest.fixture(scope="module")
def regression_export(regression_run, tmp_path_factory):
    run = _copy_run(regression_run, tmp_path_factory, "export-regression")
    return run, export_run(run)


@pytest.fixture(scope="module")
def cnn_export(stripes_folder, tmp_path_factory):
    """A CNN trained with augmentation in the model (confident enough for int8 to keep its classes)."""
    run = tmp_path_factory.mktemp("export-cnn") / "stripes"
    argv = ["train", "cnn", str(stripes_folder), "--image-size", "32", "--filters", "8", "--epochs", "8", "--augment",
            "--seed", "0", "--out", str(run)]
    assert main(argv) == 0
    return run, export_run(run, formats=["tflite", "onnx"], quantize="int8")


def _by_format(manifest: dict) -> dict[str, dict]:
    return {e["format"] + ("" if e["quantize"] == "none" else "_" + e["quantize"]): e for e in manifest["exports"]}


# ------------------------------------------------------------------ tabular: strings, NaN, a column name with a space
def test_regression_exports_every_format_within_1e_4(regression_export):
    run, result = regression_export
    exports = _by_format(result.manifest)
    assert set(exports) == {"saved_model", "tflite", "onnx"}
    assert result.manifest["not_exported"] == [] and result.problems == []
    for entry in exports.values():
        check = entry["verification"]
        assert check["passed"] and check["max_rel_diff"] <= 1e-4, entry["format"]
        assert check["examples"] == 80  # the whole test split (400 rows x 0.2)
        assert check["imported_tfjourney"] is False
        assert abs(check["export_metric"] - check["keras_metric"]) < 1e-3 * check["keras_metric"]
        assert set(entry["latency_ms_per_example"]) == {"batch_1", "batch_32"}
        assert all(v > 0 for v in entry["latency_ms_per_example"].values())
    assert result.path == run / "export"


def test_manifest_describes_inputs_output_files_and_versions(regression_export):
    run, result = regression_export
    manifest = json.loads((result.path / "manifest.json").read_text())
    inputs = {i["name"]: i for i in manifest["inputs"]}
    assert set(inputs) == {"age", "bmi", "num children", "smoker", "region"}
    assert inputs["smoker"]["dtype"] == "string" and inputs["bmi"]["dtype"] == "float32"
    assert inputs["bmi"]["shape"] == [None, 1] and "NaN" in inputs["bmi"]["meaning"]
    assert inputs["num children"]["exported_name"] == "num_children"
    assert manifest["output"]["target"] == "charges"
    kinds = {layer["type"] for layer in manifest["preprocessing_inside"]}
    assert {"Normalization", "StringLookup"} <= kinds
    assert manifest["versions"]["tensorflow"].startswith("2.") and "tfjourney" in manifest["versions"]
    for entry in manifest["exports"]:
        for file in entry["files"]:
            data = (result.path / file["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == file["sha256"] and len(data) == file["bytes"]
        own = json.loads((result.path / entry["format"] / "manifest.json").read_text())
        assert [e["format"] for e in own["exports"]] == [entry["format"]]
    assert not [p for p in result.path.parent.iterdir() if ".partial-" in p.name]


def test_report_gets_an_export_section(regression_export):
    run, _ = regression_export
    page = (run / "report.html").read_text()
    assert 'id="export"' in page and "onnx/model.onnx" in page and "tflite/model.tflite" in page


CLIENT = textwrap.dedent(
    """
    import sys, json
    import numpy as np, pandas as pd
    from ai_edge_litert.interpreter import Interpreter
    frame = pd.read_csv(sys.argv[2])
    runner = Interpreter(model_path=sys.argv[1]).get_signature_runner()
    feed = {}
    for name, detail in runner.get_input_details().items():
        column = next(c for c in frame.columns if c.replace(" ", "_").lower() == name)
        values = frame[column]
        if detail["dtype"] == np.float32:
            feed[name] = values.to_numpy("float32").reshape(-1, 1)
        else:
            feed[name] = values.fillna("").astype(str).to_numpy().reshape(-1, 1)
    out = next(iter(runner(**feed).values()))
    print(json.dumps({"predictions": out.ravel().tolist(), "tfjourney": "tfjourney" in sys.modules}))
    """
)


def test_tflite_file_serves_raw_csv_rows_without_tfjourney(regression_export, frame_maker, tmp_path):
    """A client with only ai-edge-litert and pandas gets tfjourney predict's numbers from the raw CSV."""
    from tfjourney.pipelines.tables import predict_tabular

    run, result = regression_export
    csv = tmp_path / "rows.csv"
    frame_maker(12, seed=5).drop(columns=["claim", "tier", "charges"]).to_csv(csv, index=False)
    done = subprocess.run([sys.executable, "-I", "-c", CLIENT, str(result.path / "tflite" / "model.tflite"), str(csv)],
                          capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["tfjourney"] is False
    expected = predict_tabular(run, csv)["predicted_charges"].to_numpy()
    np.testing.assert_allclose(answer["predictions"], expected, rtol=1e-5)


# ------------------------------------------------------------------ int8 with a representative dataset
@pytest.fixture(scope="module")
def circles_int8(circles_run, tmp_path_factory):
    run = _copy_run(circles_run, tmp_path_factory, "export-circles")
    return run, export_run(run, formats=["tflite"], quantize="int8")


def test_int8_agrees_on_classes_and_reports_accuracy_change(circles_int8):
    _, result = circles_int8
    exports = _by_format(result.manifest)
    assert set(exports) == {"tflite", "tflite_int8"}
    int8, float32 = exports["tflite_int8"], exports["tflite"]
    assert int8["verification"]["examples"] == 200
    assert int8["verification"]["class_agreement"] >= 0.99 and int8["verification"]["rule"].startswith("class agreement")
    assert abs(int8["verification"]["export_metric"] - int8["verification"]["keras_metric"]) <= 0.01
    assert int8["size_bytes"] < float32["size_bytes"]
    assert flex_ops(Path(result.path / int8["path"])) == []


def test_cnn_exports_without_augmentation(cnn_export):
    run, result = cnn_export
    exports = _by_format(result.manifest)
    assert {"tflite", "onnx"} <= set(exports)
    assert exports["tflite"]["verification"]["max_abs_diff"] <= 1e-4 and exports["onnx"]["verification"]["max_abs_diff"] <= 1e-4
    assert result.manifest["inputs"][0]["shape"] == [None, 32, 32, 3] and "0-255" in result.manifest["inputs"][0]["meaning"]
    assert result.manifest["output"]["class_names"] == ["horizontal", "vertical"]
    assert result.manifest["augmentation_removed"] == ["augmentation"]


def test_int8_that_flips_classes_is_refused_not_written(cnn_export):
    """A half-trained CNN has near-tie probabilities; int8 either keeps >= 99% of its classes or is not written."""
    run, result = cnn_export
    int8 = _by_format(result.manifest).get("tflite_int8")
    if int8 is not None:
        assert int8["verification"]["class_agreement"] >= 0.99
    else:
        (refused,) = result.manifest["not_exported"]
        assert "class agreement" in refused["reason"] and "`quantize` float16 or dynamic" in refused["reason"]
        assert not (result.path / "tflite" / "model_int8.tflite").exists()


def test_tflite_files_hold_builtin_ops_only(cnn_export):
    run, result = cnn_export
    path = result.path / "tflite" / "model.tflite"
    assert flex_ops(path) == []
    assert "CONV_2D" in operator_names(path) and not [op for op in operator_names(path) if op.startswith("Flex")]


# ------------------------------------------------------------------ transfer: the Food Vision path (LiteRT)
def test_transfer_exports_to_litert(transfer_run, tmp_path_factory):
    run = _copy_run(transfer_run, tmp_path_factory, "export-transfer")
    result = export_run(run, formats=["tflite"], out=run / "phone")
    (entry,) = result.manifest["exports"]
    assert entry["verification"]["passed"] and entry["verification"]["max_abs_diff"] <= 1e-4
    assert result.manifest["augmentation_removed"] == []  # fine-tuning augments in tf.data, not in the model
    assert (run / "phone" / "tflite" / "model.tflite").is_file()


# ------------------------------------------------------------------ the graph: augmentation out, Flex never
def _augmented_model() -> keras.Model:
    inputs = keras.Input((16, 16, 3), name="image")
    x = keras.Sequential([keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.2)], name="augmentation")(inputs)
    x = keras.layers.Rescaling(1 / 255, name="rescale")(x)
    x = keras.layers.Conv2D(4, 3, name="conv")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="output")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def test_augmentation_is_not_part_of_the_inference_graph():
    model = _augmented_model()
    exported, removed = inference_model(model)
    assert removed == ["augmentation"]
    names = [type(layer).__name__ for layer in exported.layers]
    assert not any(name.startswith("Random") or name == "Sequential" for name in names)
    assert "augmentation_removed" in [layer.name for layer in exported.layers]
    pixels = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(exported.predict(pixels, verbose=0), model.predict(pixels, verbose=0), atol=1e-6)
    assert exported.get_layer("conv") is model.get_layer("conv")  # same weights, not a copy


def _erf_model() -> keras.Model:
    class Erf(keras.layers.Layer):
        def call(self, x):
            return tf.math.erf(x)

    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, keras.layers.Dense(1, name="output")(Erf(name="erf")(inputs)))


def test_an_op_without_a_litert_kernel_is_refused_naming_op_and_column(tmp_path):
    path = tmp_path / "model.tflite"
    with pytest.raises(UnsupportedInFormat, match=r"Erf.*column\(s\) 'x'.*saved_model or onnx"):
        write_litert(_erf_model(), path)
    assert not path.exists()


def test_flex_check_finds_select_tf_ops(tmp_path):
    converter = tf.lite.TFLiteConverter.from_keras_model(_erf_model())
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    path = tmp_path / "flex.tflite"
    path.write_bytes(converter.convert())
    assert flex_ops(path) == ["FlexErf"]


def test_tflite_converter_from_keras_model_still_works():
    """Older Keras 3 releases broke TFLiteConverter.from_keras_model; this catches a regression."""
    model = _augmented_model()
    flatbuffer = tf.lite.TFLiteConverter.from_keras_model(inference_model(model)[0]).convert()
    assert len(flatbuffer) > 1000


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize(
    "options, message",
    [
        (["--format", "tflite,pdf"], "--format pdf is not a format"),
        (["--format", "onnx", "--quantize", "int8"], "--quantize int8 applies to the tflite format"),
        (["--quantize", "int4"], "--quantize int4 is not an option"),
    ],
)
def test_bad_options_exit_2_with_one_line(circles_run, options, message, capsys):
    assert main(["export", str(circles_run), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_never_writes_into_a_users_folder(circles_run, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["export", str(circles_run), "--out", str(tmp_path), "--format", "tflite"]) == 2
    assert "not a tfjourney export" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_format_that_cannot_carry_the_model_exits_2_and_writes_no_file(circles_run, tmp_path, monkeypatch, capsys):
    def cannot(model, path, **kwargs):
        raise UnsupportedInFormat("tf2onnx cannot convert part of the model for column(s) 'X0'; use the saved_model or tflite export instead")

    monkeypatch.setattr("tfjourney.export.exporter.write_onnx", cannot)
    out = tmp_path / "export"
    assert main(["export", str(circles_run), "--format", "onnx", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "onnx: not exported" in err[0] and "'X0'" in err[0]
    assert not (out / "onnx").exists()
    assert json.loads((out / "manifest.json").read_text())["not_exported"][0]["format"] == "onnx"


def test_adding_a_quantized_file_keeps_the_other_formats(circles_run, tmp_path_factory, capsys):
    """`export --format tflite --quantize float16 --overwrite` once deleted the SavedModel and ONNX exports."""
    run = _copy_run(circles_run, tmp_path_factory, "export-keep")
    assert main(["export", str(run), "--format", "saved_model,tflite"]) == 0
    saved = run / "export" / "saved_model" / "saved_model" / "saved_model.pb"
    before = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert main(["export", str(run), "--format", "tflite", "--quantize", "float16", "--overwrite"]) == 0
    assert "kept from the previous export: saved_model" in capsys.readouterr().out
    manifest = json.loads((run / "export" / "manifest.json").read_text())
    assert [(e["format"], e["quantize"]) for e in manifest["exports"]] == [("saved_model", "none"), ("tflite", "none"), ("tflite", "float16")]
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == before
    assert (run / "export" / "tflite" / "model_float16.tflite").is_file()
    own = json.loads((run / "export" / "saved_model" / "manifest.json").read_text())
    assert [e["path"] for e in own["exports"]] == ["saved_model"]
    # a retrained run (another `created`) keeps nothing: the old files would not match its model
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**record, "created": "2000-01-01T00:00:00"}))
    assert main(["export", str(run), "--format", "tflite", "--overwrite"]) == 0
    assert [e["format"] for e in json.loads((run / "export" / "manifest.json").read_text())["exports"]] == ["tflite"]
    assert not (run / "export" / "saved_model").exists()
