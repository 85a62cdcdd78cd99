"""Fuzz `tfjourney serve` from its own OpenAPI document (schemathesis, in process): no 5xx, only documented answers."""

from __future__ import annotations

import json
import warnings

from tfjourney.data.image_files import read_image
from tfjourney.serve.app import create_app


def test_every_generated_request_gets_a_documented_answer(regression_run, cnn_run, shapes_folder, frame_maker, fuzz_openapi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app([regression_run, cnn_run], max_body=200_000)
    rows = json.loads(frame_maker(3, seed=4).drop(columns=["charges", "claim", "tier"]).to_json(orient="records"))
    image = read_image(sorted(shapes_folder.glob("*/*.png"))[0], 32).tolist()
    valid = [{"path_parameters": {"name": regression_run.name}, "body": {"instances": rows}, "media_type": "application/json"},
             {"path_parameters": {"name": cnn_run.name}, "body": {"inputs": [image]}, "media_type": "application/json"}]
    seen = fuzz_openapi(app, max_examples=25, examples={"POST /v1/models/{name}:predict": valid})
    print(sorted(seen.items()))
    statuses = {status for _, status in seen}
    assert sum(seen.values()) >= 200 and {200, 400, 404}.issubset(statuses) and max(statuses) < 500
    assert seen["POST /v1/models/{name}:predict", 200] == 2
