"""The text kind through every front end: the CLI (train, predict, evaluate), serve, export and the studio."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tfjourney.cli import main
from tfjourney.errors import DataError, UnsupportedFileError
from tfjourney.kinds import KIND_FUNCTIONS, get_kind

STORM = ["flood", "fire", "smoke", "evacuate", "rescue"]
CALM = ["tea", "garden", "music", "pizza", "sunday"]
FILLER = ["the", "a", "today", "so", "very", "we", "near", "now"]


def _tweets(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    texts = [" ".join(rng.permutation(list(rng.choice(STORM if y else CALM, 2)) + list(rng.choice(FILLER, rng.integers(2, 6)))))
             for y in labels]
    return pd.DataFrame({"id": range(n), "tweet": texts, "disaster": labels})


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("textkind")
    _tweets(200, seed=0).to_csv(folder / "tweets.csv", index=False)
    code = main(["train", "text", str(folder / "tweets.csv"), "--text", "tweet", "--target", "disaster", "--embedding-dim", "8",
                 "--epochs", "15", "--patience", "3", "--quiet", "--out", str(folder / "runs" / "tweets")])
    assert code == 0
    return folder / "runs" / "tweets", folder


def test_every_kind_function_is_defined():
    kind = get_kind("text")
    assert all(callable(kind.function(name)) for name in KIND_FUNCTIONS) and kind.explainer == "text"


def test_cli_trains_predicts_typed_texts_and_evaluates(text_run, capsys):
    run_dir, folder = text_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.9 and "nb_accuracy" in metrics
    capsys.readouterr()
    assert main(["predict", str(run_dir), "smoke and fire near the river", "tea in the garden", "--output", str(folder / "p.csv")]) == 0
    predicted = pd.read_csv(folder / "p.csv")
    assert list(predicted["predicted_disaster"]) == [1, 0] and list(predicted.columns[:2]) == ["text", "predicted_disaster"]
    _tweets(40, seed=9).to_csv(folder / "more.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), str(folder / "more.csv")]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] >= 0.9
    assert main(["train", "text", str(folder / "tweets.csv"), "--text", "body", "--quiet"]) == 2
    assert "--text 'body' is not a column" in capsys.readouterr().err


def test_serve_takes_a_list_of_texts(text_run):
    from tfjourney.serve.app import create_app

    run_dir, _ = text_run
    with warnings.catch_warnings(), TestClient(create_app([run_dir])) as client:
        warnings.simplefilter("ignore")
        answer = client.post("/v1/models/tweets:predict", json={"instances": ["evacuate the flood now", "pizza on sunday"]})
        assert answer.status_code == 200, answer.text
        predictions = np.ravel(answer.json()["predictions"])
        assert predictions[0] > 0.5 > predictions[1]
        columnar = client.post("/v1/models/tweets:predict", json={"inputs": {"text": ["evacuate the flood now"]}})
        assert columnar.status_code == 200 and np.ravel(columnar.json()["outputs"])[0] == pytest.approx(predictions[0], abs=1e-6)
        bad = client.post("/v1/models/tweets:predict", json={"instances": [3]})
        assert bad.status_code == 400 and "send each example as a string" in bad.json()["error"]


def test_export_writes_a_verified_saved_model_and_refuses_the_rest_in_one_line(text_run):
    from tfjourney.export import export_run

    run_dir, _ = text_run
    result = export_run(run_dir, formats=["saved_model", "onnx"])
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert result.written == ["saved_model"]
    assert manifest["exports"][0]["verification"]["class_agreement"] == 1.0
    assert "raw text, one UTF-8 string per example" in manifest["inputs"][0]["meaning"]
    (refused,) = manifest["not_exported"]
    assert refused["format"] == "onnx" and "\n" not in refused["reason"] and "saved_model" in refused["reason"]


def test_upload_checks_and_decode_errors():
    from tfjourney.kinds.text import check_upload, decode

    assert check_upload("tweets.csv", b"text\nhello\n") == ".csv" and check_upload("one.txt", b"hello") == ".txt"
    with pytest.raises(UnsupportedFileError, match="not a .csv or .txt file"):
        check_upload("photo.jpg", b"\xff\xd8")

    class Served:
        name, inputs = "m", [{"name": "text", "exported_name": "text"}]

    assert decode(Served, ["a", {"text": "b"}, ["c"]], None).tolist() == ["a", "b", "c"]
    with pytest.raises(DataError, match='"instances" must be a list of texts'):
        decode(Served, "a tweet", None)
    with pytest.raises(DataError, match="unknown input"):
        decode(Served, None, {"body": ["x"]})


def test_studio_predicts_typed_text_and_explains_it(text_run):
    from tfjourney.studio.app import create_app

    run_dir, folder = text_run
    with TestClient(create_app(runs_dir=folder / "runs")) as client:
        run = client.get("/api/runs").json()["runs"][0]
        assert run["kind"]["name"] == "text" and run["kind"]["explainer"] == "text"
        answer = client.post(f"/api/predict/{run['id']}", files=[("files", ("typed-1.txt", b"rescue smoke fire", "text/plain")),
                                                                 ("files", ("typed-2.txt", b"garden music", "text/plain"))])
        assert answer.status_code == 200, answer.text
        rows = answer.json()["data"]
        assert [row[0] for row in rows] == ["rescue smoke fire", "garden music"] and [row[1] for row in rows] == ["1", "0"]
        explained = client.post(f"/api/explain-text/{run['id']}", json={"text": "we evacuate now"}).json()
        assert explained["predicted"] == "1" and [w["word"] for w in explained["words"]] == ["we", "evacuate", "now"]
        contributions = {w["word"]: w["contribution"] for w in explained["words"]}
        assert contributions["evacuate"] == max(contributions.values()) > 0  # the class word carries the decision
        assert client.get("/text-explainer").status_code == 200


def test_predict_says_when_texts_are_truncated_or_not_utf8(text_run, tmp_path):
    from tfjourney.errors import TfjourneyWarning
    from tfjourney.kinds.text import predict
    from tfjourney.runs import load_run

    run = load_run(text_run[0])
    length = run.record["config"]["sequence_length"]
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 flood".encode("latin-1"))
    with pytest.warns(TfjourneyWarning) as caught:
        table = predict(run, [" ".join(["flood"] * (length + 5)), "tea", str(latin)])
    messages = [str(w.message) for w in caught]
    assert any(f"1 of 3 texts have more than {length} words" in m for m in messages)
    assert any("not valid UTF-8" in m for m in messages) and table["text"][2] == "caf\ufffd flood"
