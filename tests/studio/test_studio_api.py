"""The studio's HTTP API through FastAPI's test client: numbers from the real models, errors as 4xx JSON."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.studio.app import create_app


@pytest.fixture(scope="module")
def client(studio_runs):
    with TestClient(create_app(runs_dir=studio_runs)) as client:
        yield client


@pytest.fixture(scope="module")
def ids(client):
    runs = {run["relative"]: run["id"] for run in client.get("/api/runs").json()["runs"]}
    return {"cnn": runs["journey/cnn-run"], "circles": runs["circles-run"]}


def _png(size=(40, 30), seed=0) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (*size[::-1], 3)).astype("uint8")).save(buffer, "PNG")
    return buffer.getvalue()


def _tree_digest(folder) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------------- runs
def test_runs_are_listed_with_ids_not_paths(client, ids):
    body = client.get("/api/runs").json()
    assert {run["blueprint"] for run in body["runs"]} == {"cnn", "classification"}
    assert all("path" not in run for run in body["runs"])
    report = client.get(f"/runs/{ids['cnn']}/report").text
    assert report.startswith("<!doctype html>") and 'href="/playground"' in report  # the run's report, under the studio's nav


@pytest.mark.parametrize("url", ["/runs/0123456789ab/report", "/api/explain/..%2F..%2Fetc/info", "/api/explain/circles-run/info"])
def test_unknown_ids_and_paths_are_404_json(client, url):
    response = client.get(url)
    assert response.status_code == 404 and "error" in response.json()


def test_compare_renders_without_writing(client, ids, studio_runs):
    before = _tree_digest(studio_runs)
    page = client.get(f"/compare?ids={ids['cnn']},{ids['circles']}")
    assert page.status_code == 200 and f"/runs/{ids['cnn']}/report" in page.text
    assert client.get(f"/compare?ids={ids['cnn']}").status_code == 400
    assert _tree_digest(studio_runs) == before


# ----------------------------------------------------------------------------- explainer
@pytest.fixture(scope="module")
def explained(client, ids):
    response = client.post(f"/api/explain/{ids['cnn']}", files={"file": ("photo.png", _png(), "image/png")})
    assert response.status_code == 200, response.text
    return response.json()


def test_activation_shapes_equal_each_layers_output_shape(explained, studio_runs):
    from tfjourney.runs import load_run

    model = load_run(studio_runs / "journey" / "cnn-run").load_model()
    for layer in explained["layers"]:
        assert tuple(layer["shape"]) == tuple(model.get_layer(layer["name"]).output.shape[1:])
        h, w, c = layer["shape"]
        assert len(__import__("base64").b64decode(layer["data"])) == h * w * len(layer["channels"]) and len(layer["channels"]) == c
    assert sum(explained["probabilities"]) == pytest.approx(1, abs=1e-3)
    assert explained["cam"]["overlay"].startswith("data:image/png;base64,")
    assert [layer["arithmetic"] for layer in explained["layers"]][:4] == [False, True, True, False]  # rescale, conv, conv, pool


def test_gradcam_for_another_class_and_arithmetic(client, explained):
    other = 1 - explained["cam"]["class_index"] if explained["cam"]["class_index"] < 2 else 0
    cam = client.get(f"/api/explanations/{explained['token']}/gradcam", params={"class_index": other}).json()
    assert cam["class_index"] == other
    step = client.get(f"/api/explanations/{explained['token']}/arithmetic",
                      params={"layer": "block1_conv1", "channel": 2, "row": 4, "col": 9}).json()
    assert step["output"] == pytest.approx(step["model_output"], abs=1e-4)
    assert client.get(f"/api/explanations/{explained['token']}/gradcam", params={"class_index": 99}).status_code == 400


def test_a_test_image_of_the_run_can_be_explained(client, ids):
    info = client.get(f"/api/explain/{ids['cnn']}/info").json()
    assert info["samples"] and info["config"]["kernel_size"] == 3
    response = client.post(f"/api/explain/{ids['cnn']}", data={"sample": "0"})
    assert response.status_code == 200 and sum(response.json()["probabilities"]) == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize(
    "name, content, status",
    [
        ("notes.png", b"this is text, renamed", 400),
        ("notes.txt", b"this is text", 415),
        ("empty.png", b"", 400),
        ("cut.png", None, 400),
    ],
)
def test_bad_uploads_are_4xx_json(client, ids, name, content, status):
    content = _png()[:60] if content is None else content
    response = client.post(f"/api/explain/{ids['cnn']}", files={"file": (name, content, "image/png")})
    assert response.status_code == status and name in response.json()["error"]


def test_uploads_over_the_limit_are_413(studio_runs, ids):
    with TestClient(create_app(runs_dir=studio_runs, upload_limit=1000)) as small:
        response = small.post(f"/api/explain/{ids['cnn']}", files={"file": ("big.png", _png((100, 100)), "image/png")})
    assert response.status_code == 413 and "upload limit" in response.json()["error"]


def test_explaining_a_tabular_run_is_400(client, ids):
    response = client.post(f"/api/explain/{ids['circles']}", files={"file": ("x.png", _png(), "image/png")})
    assert response.status_code == 400 and "a run that reads images" in response.json()["error"]


def test_whatif_uses_the_builder_and_its_errors(client):
    result = client.post("/api/whatif", json={"kernel_size": 5, "padding": "same", "filters": 8, "image_size": 40, "n_classes": 3}).json()
    assert result["layers"][1] == {"name": "block1_conv1", "type": "Conv2D", "output_shape": [40, 40, 8], "params": 5 * 5 * 3 * 8 + 8}
    too_small = client.post("/api/whatif", json={"image_size": 10, "kernel_size": 7})
    assert too_small.status_code == 400 and "too small" in too_small.json()["error"]
    bad = client.post("/api/whatif", json={"kernel_size": 4})  # the library says `kernel_size`; a page shows it plainly
    assert bad.status_code == 400 and bad.json()["error"].startswith("unknown kernel_size 4; choose one of: 3, 5, 7")


# ----------------------------------------------------------------------------- predict
def test_predict_images_and_csv_as_the_cli_does(client, ids, tmp_path):
    response = client.post(f"/api/predict/{ids['cnn']}", files=[("files", ("a.png", _png(), "image/png")), ("files", ("b.png", _png(seed=1), "image/png"))],
                           data={"top_k": "2"})
    body = response.json()
    assert response.status_code == 200 and body["columns"] == ["image", "rank", "class", "probability"]
    assert [row[0] for row in body["data"]] == ["a.png", "a.png", "b.png", "b.png"]
    csv = b"X0,X1\n0.1,0.2\n0.9,-0.3\n"
    body = client.post(f"/api/predict/{ids['circles']}", files=[("files", ("rows.csv", csv, "text/csv"))]).json()
    assert len(body["data"]) == 2 and "probability" in body["columns"]
    workbook = tmp_path / "rows.xlsx"
    pd.DataFrame({"X0": [0.1, 0.9], "X1": [0.2, -0.3]}).to_excel(workbook, index=False)
    from_excel = client.post(f"/api/predict/{ids['circles']}", files=[("files", ("rows.xlsx", workbook.read_bytes(), "application/octet-stream"))]).json()
    assert from_excel["data"] == body["data"]  # a workbook of the same rows predicts the same
    wrong = client.post(f"/api/predict/{ids['circles']}", files=[("files", ("rows.csv", b"a,b\n1,2\n", "text/csv"))])
    assert wrong.status_code == 400 and "missing column" in wrong.json()["error"]
    assert client.post(f"/api/predict/{ids['cnn']}", files=[("files", ("x.png", b"text", "image/png"))]).status_code == 400


def test_an_unreadable_upload_is_named_by_its_own_name_without_server_paths_or_exception_text(client, ids):
    """A truncated JPEG passes the upload check and fails to decode: the page once showed the scratch path and
    "(OSError: image file is truncated ...)"."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3)).astype("uint8")).save(buffer, "JPEG")
    truncated = buffer.getvalue()[:1500]
    for url, files in ((f"/api/predict/{ids['cnn']}", [("files", ("holiday photo.jpg", truncated, "image/jpeg"))]),
                       (f"/api/explain/{ids['cnn']}", {"file": ("holiday photo.jpg", truncated, "image/jpeg")})):
        response = client.post(url, files=files)
        error = response.json()["error"]
        assert response.status_code == 400 and error.startswith("holiday photo.jpg is not a readable image. Pass a JPEG"), error
        assert "tfjourney-studio" not in error and "Error" not in error and "truncated" not in error


# ----------------------------------------------------------------------------- playground
def test_playground_session_step_boundary_and_stream(client):
    created = client.post("/api/playground/sessions", json={"features": ["x1^2", "x2^2"], "hidden": [4]}).json()
    assert created["update"]["epoch"] == 0 and created["settings"]["learning_rate"] == 0.03
    update = client.post(f"/api/playground/sessions/{created['id']}/step", params={"epochs": 5}).json()
    assert update["epoch"] == 5
    with client.stream("GET", f"/api/playground/sessions/{created['id']}/stream", params={"epochs": 3}) as stream:
        events = [line for line in stream.iter_lines() if line.startswith("data:") or line.startswith("event:")]
    assert [json.loads(e[5:])["epoch"] for e in events if e.startswith("data:") and e != "data: {}"] == [6, 7, 8]
    assert "event: done" in events
    grid = client.get(f"/api/playground/sessions/{created['id']}/boundary", params={"resolution": 12}).json()
    assert len(grid["values"]) == 144


def test_playground_boundary_equals_the_saved_models_predict(client, studio_runs):
    from tfjourney.runs import load_run

    session = client.post("/api/playground/sessions", json={"dataset": "gauss", "hidden": [2]}).json()["id"]
    client.post(f"/api/playground/sessions/{session}/step", params={"epochs": 3})
    grid = client.get(f"/api/playground/sessions/{session}/boundary", params={"resolution": 20}).json()
    before = _tree_digest(studio_runs / "journey")
    saved = client.post(f"/api/playground/sessions/{session}/save").json()
    assert _tree_digest(studio_runs / "journey") == before  # existing runs untouched
    assert saved["id"] in {run["id"] for run in client.get("/api/runs").json()["runs"]}
    model = load_run(next((studio_runs / "playground").iterdir())).load_model()
    inputs = {name: np.array(grid[name], dtype="float32")[:, None] for name in ("x1", "x2")}
    assert np.abs(model.predict(inputs, verbose=0)[:, 0] - np.array(grid["values"])).max() <= 1e-6


@pytest.mark.parametrize("body, status", [({"hidden": [9]}, 400), ({"dataset": "moons"}, 400), ({"hidden": "four"}, 422)])
def test_playground_bad_settings_are_4xx(client, body, status):
    response = client.post("/api/playground/sessions", json=body)
    assert response.status_code == status and response.json()["error"]


def test_playground_csv_upload_and_errors(client):
    rows = "\n".join(f"{i % 7},{i % 5},{int(i % 7 > 3)}" for i in range(40))
    table = client.post("/api/playground/csv", files={"file": ("mine.csv", f"a,b,label\n{rows}".encode(), "text/csv")}).json()
    session = client.post("/api/playground/sessions", json={"dataset": "csv", "csv": table["csv"]}).json()
    assert session["points"]["columns"] == ["a", "b"] and session["points"]["class_names"] == ["0", "1"]
    bad = client.post("/api/playground/csv", files={"file": ("mine.csv", b"a\n1\n", "text/csv")})
    assert bad.status_code == 400 and "two numeric feature columns" in bad.json()["error"]
    assert client.post("/api/playground/csv", files={"file": ("mine.xlsx", b"PK\x03\x04", "application/zip")}).status_code == 415
    assert client.post("/api/playground/sessions/nope/step").status_code == 404
