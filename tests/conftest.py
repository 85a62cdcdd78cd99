"""Shared fixtures: small, real-looking tabular data, and a few trained runs reused across files.

Kept generic on purpose: image tests add their own fixtures in their own folders.
Everything trained here is tiny (hundreds of rows, a handful of epochs) and
session-scoped, so the whole tabular part of the suite trains each model once.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REGIONS = ("northeast", "northwest", "southeast", "southwest")


def make_frame(n: int = 300, seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """An insurance-like table: numeric and string features, a linear-ish target, some gaps.

    Columns: age (int), bmi (float, some NaN), "num children" (int, a name with a space),
    smoker (yes/no), region (4 strings, some "NA"), charges (regression target),
    claim (binary yes/no target), tier (3-class target).
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 65, n)
    bmi = rng.normal(30, 5, n).round(2)
    children = rng.integers(0, 4, n)
    smoker = rng.choice(["yes", "no"], n, p=[0.3, 0.7])
    region = rng.choice(REGIONS, n).astype(object)
    charges = 250.0 * age + 300.0 * (bmi - 30) + 500.0 * children + 20000.0 * (smoker == "yes") + rng.normal(0, 1000, n)
    frame = pd.DataFrame(
        {
            "age": age,
            "bmi": bmi,
            "num children": children,
            "smoker": smoker,
            "region": region,
            "charges": charges.round(2),
        }
    )
    frame["claim"] = np.where(charges > np.median(charges), "yes", "no")
    frame["tier"] = pd.qcut(charges, 3, labels=["low", "mid", "high"]).astype(str)
    if missing:
        frame.loc[rng.choice(n, max(n // 20, 1), replace=False), "bmi"] = np.nan
        frame.loc[rng.choice(n, max(n // 25, 1), replace=False), "region"] = "NA"
    return frame


def write_frame(frame: pd.DataFrame, path: Path, sep: str = ",", encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    return path


@pytest.fixture
def small_csv(tmp_path):
    """Factory: `small_csv(name="data.csv", n=300, seed=0, sep=",", encoding="utf-8", missing=True,
    columns=None, frame=None)` writes a CSV under tmp_path and returns its path."""

    def make(name="data.csv", n=300, seed=0, sep=",", encoding="utf-8", missing=True, columns=None, frame=None):
        frame = make_frame(n, seed, missing) if frame is None else frame
        if columns is not None:
            frame = frame[list(columns)]
        return write_frame(frame, tmp_path / name, sep=sep, encoding=encoding)

    return make


@pytest.fixture(scope="session")
def frame_maker():
    """The make_frame function: `frame_maker(n=300, seed=0, missing=True)` -> DataFrame to tweak."""
    return make_frame


@pytest.fixture
def no_partials():
    """Assert helper: `no_partials(folder)` fails if a hidden `.NAME.partial` staging dir is left."""

    def check(folder: Path) -> None:
        leftovers = [p.name for p in Path(folder).iterdir() if p.name.endswith(".partial") or ".partial-" in p.name or ".replaced-" in p.name]
        assert not leftovers, f"staging folders left behind: {leftovers}"

    return check


# ------------------------------------------------------------------ trained runs, shared by several files
@pytest.fixture(scope="session")
def tabular_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tabular")


@pytest.fixture(scope="session")
def mixed_csv(tabular_workspace) -> Path:
    """400 rows of make_frame, numeric + string columns with gaps, for regression and round trips."""
    return write_frame(make_frame(400, seed=1), tabular_workspace / "insurance_like.csv")


REGRESSION_ARGS = ("--epochs", "30", "--seed", "7", "--drop", "claim,tier")


@pytest.fixture(scope="session")
def regression_args() -> tuple[str, ...]:
    """The options regression_run was trained with (besides DATA, --target charges and --out)."""
    return REGRESSION_ARGS


@pytest.fixture(scope="session")
def regression_run(mixed_csv, tabular_workspace) -> Path:
    """`tfjourney train regression` on mixed_csv (target charges), via the in-process CLI."""
    from tfjourney.cli import main

    out = tabular_workspace / "regression-run"
    assert main(["train", "regression", str(mixed_csv), "--target", "charges", "--out", str(out), *REGRESSION_ARGS]) == 0
    return out


@pytest.fixture(scope="session")
def circles_run(tabular_workspace) -> Path:
    """`tfjourney train classification circles`: 2 numeric features, binary."""
    from tfjourney.cli import main

    out = tabular_workspace / "circles-run"
    assert main(["train", "classification", "circles", "--epochs", "60", "--seed", "42", "--out", str(out)]) == 0
    return out


# ------------------------------------------------------------------ images: generated folders and tiny runs
SHAPES = ("circle", "square", "triangle")


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Converted weights and embedded datasets go to a throwaway cache, never the user's."""
    os.environ["TFJOURNEY_CACHE"] = str(tmp_path_factory.mktemp("tfjourney-cache"))
    yield


def draw_shape(shape: str, size: int, rng: np.random.Generator):
    """A bright shape at a random place and scale on a dark background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 90, 3)))
    draw = ImageDraw.Draw(image)
    r = int(rng.integers(size // 5, size // 3))
    cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
    colour = tuple(int(v) for v in rng.integers(150, 256, 3))
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    else:
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    return image


def draw_stripes(direction: str, size: int, rng: np.random.Generator):
    """Horizontal or vertical stripes of random width, phase and colours: learnable in a few epochs."""
    from PIL import Image

    period = int(rng.integers(4, 9))
    phase = int(rng.integers(0, period))
    line = ((np.arange(size) + phase) // (period // 2 or 1)) % 2
    mask = np.tile(line[:, None], (1, size)) if direction == "horizontal" else np.tile(line[None, :], (size, 1))
    light, dark = rng.integers(150, 256, 3), rng.integers(0, 100, 3)
    pixels = np.where(mask[..., None] == 1, light, dark) + rng.integers(-20, 20, (size, size, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype("uint8"))


@pytest.fixture(scope="session")
def image_workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("images")


@pytest.fixture(scope="session")
def shapes_folder(image_workspace) -> Path:
    """One class-folder tree: 3 classes x 20 images of simple shapes, 48 px."""
    rng = np.random.default_rng(0)
    folder = image_workspace / "shapes"
    for shape in SHAPES:
        (folder / shape).mkdir(parents=True)
        for i in range(20):
            draw_shape(shape, 48, rng).save(folder / shape / f"{shape}_{i:02d}.png")
    return folder


@pytest.fixture(scope="session")
def stripes_folder(image_workspace) -> Path:
    """The course layout (train/ + test/): horizontal vs vertical stripes, 32 px."""
    rng = np.random.default_rng(1)
    folder = image_workspace / "stripes"
    for split, n in (("train", 60), ("test", 20)):
        for direction in ("horizontal", "vertical"):
            (folder / split / direction).mkdir(parents=True)
            for i in range(n):
                draw_stripes(direction, 32, rng).save(folder / split / direction / f"{i:03d}.jpg", quality=95)
    return folder


@pytest.fixture(scope="session")
def probe_image(image_workspace) -> Path:
    """A non-square JPEG with a space in its name, as users' photos are."""
    path = image_workspace / "probe image.jpg"
    draw_shape("circle", 80, np.random.default_rng(1)).resize((80, 60)).save(path)
    return path


@pytest.fixture(scope="session")
def cnn_run(shapes_folder, image_workspace) -> Path:
    from tfjourney.pipelines.cnn import train_cnn

    return train_cnn(shapes_folder, out=image_workspace / "cnn-run", epochs=2, image_size=32, filters=10, seed=0).path


@pytest.fixture(scope="session")
def transfer_run(shapes_folder, image_workspace) -> Path:
    """Lite0 (the smallest backbone, fast): feature extraction (2 epochs on cached embeddings), then gradual unfreezing: 1 epoch with the top 5
    layers, 1 more with the top 10, the deeper block at half the rate (discriminative learning rates)."""
    from tfjourney.pipelines.transfer import train_transfer

    return train_transfer(
        shapes_folder, out=image_workspace / "transfer-run", epochs=2, image_size=64, seed=0, backbone="efficientnet_lite0",
        fine_tune_layers=(5, 10), fine_tune_epochs=1, lr_decay=0.5,
    ).path


# ------------------------------------------------------------------ fuzzing an app from its OpenAPI document
@pytest.fixture(scope="session")
def fuzz_openapi():
    """`fuzz_openapi(app, max_examples=..., skip=(), examples={label: [Case kwargs]})` -> Counter of (operation, status): schemathesis generates valid
    and invalid requests for every operation of the app's /openapi.json, in process (ASGI, no socket), and fails on a
    5xx, an undocumented status, or a body or header the document does not describe. Deterministic and bounded."""
    import collections
    import warnings

    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]

    def fuzz(app, *, max_examples: int = 20, skip: tuple[str, ...] = (), examples: dict | None = None) -> collections.Counter:
        seen: collections.Counter = collections.Counter()
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label in skip:
                continue
            for example in (examples or {}).get(operation.label, []):  # valid requests random data rarely finds
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    response = operation.Case(**example).call_and_validate(checks=checks)
                seen[operation.label, response.status_code] += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                          suppress_health_check=list(HealthCheck))
                @given(case=operation.as_strategy(generation_mode=mode))
                def call(case):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        response = case.call_and_validate(checks=checks)
                    seen[operation.label, response.status_code] += 1

                try:
                    call()
                except Unsatisfiable:  # nothing to make invalid (a route without parameters or body)
                    assert mode is GenerationMode.NEGATIVE
        return seen

    return fuzz
