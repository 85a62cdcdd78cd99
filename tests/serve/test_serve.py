"""`tfjourney serve`: TensorFlow Serving's REST contract, the same numbers as `tfjourney predict`, every bad request's status."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.request
import warnings

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.cli import main
from tfjourney.data.image_files import read_image
from tfjourney.predict import predict
from tfjourney.serve.app import create_app


@pytest.fixture(scope="module")
def app(regression_run, cnn_run):
    return create_app([regression_run, cnn_run], max_body=200_000)


@pytest.fixture(scope="module")
def client(app):
    with warnings.catch_warnings(), TestClient(app) as client:
        warnings.simplefilter("ignore")
        yield client


@pytest.fixture(scope="module")
def rows(tmp_path_factory, frame_maker):
    """Five raw rows with a NaN bmi and an unseen region, as a CSV and as TF Serving instances (no "NA" text: a CSV
    reader reads it as missing, JSON as the string)."""
    frame = frame_maker(5, seed=9, missing=False).drop(columns=["charges", "claim", "tier"])
    frame.loc[1, "bmi"] = np.nan
    frame.loc[2, "region"] = "atlantis"
    path = tmp_path_factory.mktemp("serve") / "rows.csv"
    frame.to_csv(path, index=False)
    instances = json.loads(frame.to_json(orient="records"))
    return path, instances


def test_status_metadata_health_and_docs(client, regression_run, cnn_run):
    status = client.get(f"/v1/models/{regression_run.name}").json()
    assert status["model_version_status"][0] == {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
    assert client.get(f"/v1/models/{regression_run.name}/versions/1").status_code == 200
    signature = client.get(f"/v1/models/{regression_run.name}/metadata").json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert signature["inputs"]["smoker"]["dtype"] == "DT_STRING" and signature["inputs"]["bmi"]["dtype"] == "DT_FLOAT"
    assert signature["inputs"]["num children"]["name"] == "serving_default_num_children:0"
    image = client.get(f"/v1/models/{cnn_run.name}/metadata").json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert [d["size"] for d in image["inputs"]["image"]["tensor_shape"]["dim"]] == ["-1", "32", "32", "3"]
    assert client.get("/healthz").json() == {"status": "ok", "models": sorted([regression_run.name, cnn_run.name])}
    assert client.get("/docs").status_code == 200 and "/v1/models/{name}:predict" in client.get("/openapi.json").json()["paths"]


def test_rows_and_columns_give_tfjourney_predicts_numbers(client, regression_run, rows):
    path, instances = rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = predict([str(regression_run), str(path)]).table["predicted_charges"].to_numpy()
    by_rows = client.post(f"/v1/models/{regression_run.name}:predict", json={"instances": instances}).json()
    np.testing.assert_allclose(np.ravel(by_rows["predictions"]), expected, rtol=1e-5)
    assert by_rows["tfjourney"][0]["target"] == "charges"
    columns = {k: [row[k] for row in instances] for k in instances[0]}
    form = {"content-type": "application/x-www-form-urlencoded"}  # what `curl -d` sends; TF Serving reads JSON anyway
    by_columns = client.post(f"/v1/models/{regression_run.name}:predict", content=json.dumps({"inputs": columns}), headers=form).json()
    np.testing.assert_allclose(np.ravel(by_columns["outputs"]), expected, rtol=1e-5)  # columnar in, "outputs" out, as TF Serving
    assert "predictions" not in by_columns


def test_images_as_b64_and_pixel_lists(client, cnn_run, shapes_folder):
    files = sorted(shapes_folder.glob("*/*.png"))[::20][:3]
    expected = predict([str(cnn_run), *map(str, files)]).table
    b64 = [{"b64": base64.b64encode(f.read_bytes()).decode()} for f in files]
    answer = client.post(f"/v1/models/{cnn_run.name}:predict", json={"instances": b64}).json()
    assert [a["class"] for a in answer["tfjourney"]] == expected["class"].tolist()
    np.testing.assert_allclose([max(p) for p in answer["predictions"]], expected["probability"], rtol=1e-5)
    pixels = [read_image(f, 32).tolist() for f in files]
    by_pixels = client.post(f"/v1/models/{cnn_run.name}/versions/1:predict", json={"instances": [{"image": p} for p in pixels]}).json()
    np.testing.assert_allclose(by_pixels["predictions"], answer["predictions"], atol=1e-6)
    assert set(by_pixels["tfjourney"][0]["probabilities"]) == {"circle", "square", "triangle"}


@pytest.mark.parametrize(
    "model, body, status, message",
    [
        ("cnn-run", b"{not json", 400, "not valid JSON"),
        ("cnn-run", b'{"instances": [[1, 2, 3]]}', 400, "takes [32, 32, 3]"),
        ("cnn-run", b'{"instances": [{"b64": "%%%"}]}', 400, "not valid base64"),
        ("cnn-run", b'{"instances": [{"b64": "aGVsbG8="}]}', 400, "not a readable image"),
        ("cnn-run", b'{"instances": []}', 400, "no examples"),
        ("cnn-run", b'{"instances": [1], "inputs": [1]}', 400, "exactly one of"),
        ("cnn-run", b'{"instances": "x"}', 400, "instances"),
        ("regression-run", b'{"instances": [{"age": 30}]}', 400, "missing input(s) 'bmi'"),
        ("regression-run", b'{"instances": [{"age": "old", "bmi": 1, "num children": 0, "smoker": "no", "region": "x"}]}', 400, "must be a number"),
        ("regression-run", b'{"instances": [{"height": 1}]}', 400, "unknown input 'height'"),
        ("regression-run", b'{"inputs": {"age": [1, 2], "bmi": [1]}}', 400, "different lengths"),
        ("no-such-model", b'{"instances": [1]}', 404, "no model named 'no-such-model'"),
        # shapes TF Serving's grammar does not allow: refused at the edge, whichever model (once a 500 TypeError)
        ("cnn-run", b'{"signature_name": null, "instances": null, "inputs": 0}', 400, '"inputs" is a number'),
        ("regression-run", b'{"signature_name": null, "instances": null, "inputs": 0}', 400, '"inputs" is a number'),
        ("cnn-run", b'{"inputs": {"image": 5}}', 400, "image 0 has shape []"),
        ("cnn-run", b'{"instances": [{"image": {"y": 2}}]}', 400, "instances[0].image is an object with keys ['y']"),
        ("cnn-run", b'{"inputs": {"image": {"b64": 7}}}', 400, "inputs.image.b64 is a number"),
        ("cnn-run", b'[1, 2]', 400, "the body is a JSON array, not an object"),
        ("cnn-run", b'{"signature_name": 3, "instances": [1]}', 400, '"signature_name" is a number'),
        ("cnn-run", b'{"instances": [1e999]}', 400, "instances[0] is inf"),
        ("cnn-run", b'{"instances": [[[[1' + b"0" * 400 + b']]]]}', 400, "instances[0][0][0][0] is a 401-digit integer"),
        ("regression-run", b'{"instances": [{"age": 1' + b"0" * 400 + b'}]}', 400, "instances[0].age is a 401-digit integer"),
        ("cnn-run", b'{"instances": ' + b"[" * 50 + b"]" * 50 + b"}", 400, "nested more than 8 lists deep"),
        ("cnn-run", b"[" * 100_000 + b"]" * 100_000, 400, "not valid JSON (recursion limit exceeded"),
        ("cnn-run", b'{"instances": [' + b"[" * 3 + b",".join([b"NaN"] * 3) + b"]" * 3 + b"]}", 400, "takes [32, 32, 3]"),
    ],
)
def test_each_bad_request_gets_its_status_and_one_line(client, model, body, status, message):
    response = client.post(f"/v1/models/{model}:predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert message in error and "\n" not in error and "Traceback" not in error


def test_a_non_finite_output_gets_400_not_a_json_error(app, client, cnn_run):
    """JSON cannot carry NaN: should a model ever answer it, the request gets a 400 naming the example, not a 500."""
    batcher = app.state.serve.batchers[cnn_run.name]
    original = batcher.predict
    batcher.predict = lambda batch: np.where(np.arange(len(batch))[:, None] == 1, np.nan, original(batch))
    try:
        response = client.post(f"/v1/models/{cnn_run.name}:predict", json={"instances": np.full((2, 32, 32, 3), 9.0).tolist()})
    finally:
        batcher.predict = original
    assert response.status_code == 400 and response.json()["error"].startswith("example(s) 1 gave no finite output")


def test_wrong_method_gets_405_with_allow_and_the_document_declares_every_status(client, cnn_run):
    response = client.get(f"/v1/models/{cnn_run.name}:predict")
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["error"] == f"GET is not allowed on /v1/models/{cnn_run.name}:predict; use POST."
    assert client.get(f"/v1/models/{cnn_run.name}/versions/1:predict").headers["allow"] == "POST"
    assert client.delete("/healthz").headers["allow"] == "GET"
    assert "/openapi.json" in client.get("/no/such/route").json()["error"]
    document = client.get("/openapi.json").json()
    predict_op = document["paths"]["/v1/models/{name}:predict"]["post"]
    assert set(predict_op["responses"]) == {"200", "400", "404", "405", "413", "500"}
    assert predict_op["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert all("422" not in op["responses"] for path in document["paths"].values() for op in path.values())
    name = next(p for p in predict_op["parameters"] if p["name"] == "name")
    assert name["schema"]["enum"] == ["cnn-run", "regression-run"]


def test_unknown_model_version_and_oversized_body(client):
    assert client.get("/v1/models/nope").status_code == 404
    assert client.get("/v1/models/cnn-run/versions/7").status_code == 404
    big = b'{"instances": [' + b"0," * 150_000 + b"0]}"
    response = client.post("/v1/models/cnn-run:predict", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "--max-body" in response.json()["error"]


def test_requests_that_arrive_together_are_batched(app, client, cnn_run, shapes_folder):
    """Sixteen concurrent requests: every answer is its own (not a neighbour's), in fewer model calls than requests."""
    files = sorted(shapes_folder.glob("*/*.png"))[:16]
    pixels = [read_image(f, 32).tolist() for f in files]
    served = app.state.serve.models[cnn_run.name]
    expected = served.outputs(np.array(pixels, dtype="float32"))
    calls = []
    original = served.outputs
    batcher = app.state.serve.batchers[cnn_run.name]
    batcher.predict = lambda batch: calls.append(len(batch)) or original(batch)
    answers = [None] * len(pixels)

    def post(i):
        answers[i] = client.post(f"/v1/models/{cnn_run.name}:predict", json={"instances": [pixels[i]]}).json()["predictions"][0]

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(pixels))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        batcher.predict = original
    np.testing.assert_allclose(answers, expected, atol=1e-5)
    assert sum(calls) == 16 and len(calls) < 16


# ------------------------------------------------------------------ a real server on a free loopback port
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_uvicorn_answers_a_tf_serving_client(app, regression_run, rows):
    import uvicorn

    path, instances = rows
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/models/{regression_run.name}:predict",
            data=json.dumps({"signature_name": "serving_default", "instances": instances}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = predict([str(regression_run), str(path)]).table["predicted_charges"].to_numpy()
        np.testing.assert_allclose(np.ravel(answer["predictions"]), expected, rtol=1e-5)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_cli_refuses_a_taken_port_and_warns_off_loopback(regression_run, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(regression_run), "--port", str(port)]) == 2
    assert "pass another --port" in capsys.readouterr().err
    assert main(["serve", str(regression_run), "--host", "0.0.0.0", "--port", "70000"]) == 2
    assert main(["serve", str(regression_run), "--max-body", "10"]) == 2
