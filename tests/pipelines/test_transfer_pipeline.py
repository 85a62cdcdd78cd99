"""`tfjourney train transfer`: freezing, the two-phase bookkeeping, the whole saved model, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tfjourney.blueprints import get_blueprint
from tfjourney.cli import main
from tfjourney.errors import ConfigError
from tfjourney.models.backbones import build_backbone
from tfjourney.models.transfer import build_transfer_model, fine_tunable_layers, unfreeze_top_layers
from tfjourney.training.fine_tune import augmented, fine_tune_training_data
from tfjourney.runs import load_run


@pytest.fixture(scope="module")
def small_backbone():
    return build_backbone("efficientnet_lite0", image_size=64)


def test_feature_extraction_freezes_the_whole_backbone(small_backbone):
    model = build_transfer_model(small_backbone, n_classes=3, augment=False)
    head = model.get_layer("classifier")
    assert small_backbone.trainable is False
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == head.count_params() == 1280 * 3 + 3


def test_unfreeze_top_layers_keeps_batchnorm_frozen(small_backbone):
    trainable = unfreeze_top_layers(small_backbone, 20)
    top = fine_tunable_layers(small_backbone)[-20:]
    batchnorms = [layer for layer in top if isinstance(layer, keras.layers.BatchNormalization)]
    assert trainable == 20 - len(batchnorms) and batchnorms
    assert all(not layer.trainable for layer in batchnorms)
    assert all(not layer.trainable for layer in fine_tunable_layers(small_backbone)[:-20])
    unfreeze_top_layers(small_backbone, 0)
    assert not any(layer.trainable for layer in small_backbone.layers)


def test_too_many_fine_tune_layers_names_the_maximum(small_backbone):
    maximum = len(fine_tunable_layers(small_backbone))
    with pytest.raises(ConfigError, match=f"pass at most {maximum}"):
        unfreeze_top_layers(small_backbone, maximum + 1)


def test_stage_epoch_bookkeeping(transfer_run):
    run = load_run(transfer_run)
    training = run.record["training"]
    assert training["phase1_epochs"] == 2 and training["fine_tune_start_epoch"] == 3  # 1-based, as plotted
    stages = training["stages"]
    assert [(s["stage"], s["layers"], s["start_epoch"], s["epochs_run"]) for s in stages] == [(1, 5, 3, 1), (2, 10, 4, 1)]
    assert all(s["trainable_layers"] <= s["layers"] for s in stages)  # BatchNormalization among them stays frozen
    assert stages[0]["learning_rates"] == [pytest.approx(1e-4)]  # lr x fine_tune_lr_factor
    assert stages[1]["learning_rates"] == pytest.approx([1e-4, 0.5e-4])  # the deeper block at lr_decay times the rate
    assert all(isinstance(s["kept"], bool) and s["best_val_loss"] > 0 and s["seconds"] > 0 for s in stages)
    assert training["fine_tune_layers_requested"] in (5, 10) and training["epochs_run"] == 4
    history = pd.read_csv(transfer_run / "history.csv")
    assert list(history["epoch"]) == [0, 1, 2, 3]  # one CSV, every stage continuing from initial_epoch
    assert (transfer_run / "plots" / "compare_histories.png").is_file()
    assert {"phase1_accuracy", "fine_tune_accuracy", "tta_accuracy"} <= set(run.metrics)
    assert run.metrics["fine_tune_accuracy"] == run.metrics["accuracy"]
    assert set(run.record["timings"]) >= {"embed_seconds", "head_seconds", "fine_tune_seconds"}
    assert run.record["data"]["feature_extraction"] == "cached embeddings"


@pytest.mark.parametrize("argv, expected", [
    ([], {}),
    (["--fine-tune"], {"fine_tune": True}),
    (["--fine-tune-layers", "20", "--fine-tune-epochs", "5"], {"fine_tune_layers": 20, "fine_tune_epochs": 5}),
    (["--fine-tune-layers", "10,20,40", "--fine-tune-epochs", "2,2,4", "--lr-decay", "0.3"],
     {"fine_tune_layers": (10, 20, 40), "fine_tune_epochs": (2, 2, 4), "lr_decay": 0.3}),
])
def test_fine_tuning_flags_reach_the_config(argv, expected):
    from tfjourney.cli import _hyperparameters, build_parser

    assert _hyperparameters(build_parser().parse_args(["train", "transfer", "photos", *argv]), "transfer") == expected


def test_passing_fine_tune_layers_asks_for_fine_tuning():
    from tfjourney.pipelines.transfer import _fine_tune_request

    assert _fine_tune_request({"fine_tune_layers": 20})["fine_tune"] is True
    assert _fine_tune_request({"fine_tune_layers": 0})["fine_tune"] is False
    assert _fine_tune_request({"fine_tune_layers": 20, "fine_tune": False})["fine_tune"] is False
    assert "fine_tune" not in _fine_tune_request({})


def _first_batch(dataset: tf.data.Dataset) -> np.ndarray:
    return next(iter(dataset))[0].numpy()


def test_fine_tuning_trains_on_augmented_images_and_the_same_seed_repeats_them():
    images = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    plain = tf.data.Dataset.from_tensor_slices((images, np.arange(8))).batch(4)
    first, again, other = (_first_batch(augmented(plain, seed)) for seed in (1, 1, 2))
    assert first.shape == images[:4].shape and not np.allclose(first, images[:4])
    np.testing.assert_array_equal(first, again)  # the same seed, the same random variants
    assert not np.allclose(first, other)
    labels = np.concatenate([batch[1].numpy() for batch in augmented(plain, 1)])
    np.testing.assert_array_equal(labels, np.arange(8))  # labels travel with their images


@pytest.mark.parametrize("augment, fine_tune_augment, expect_augmented", [
    (False, True, True),  # the default: the cached path never augmented, phase 2 does
    (False, False, False),  # --no-fine-tune-augment
    (True, True, False),  # --augment: the model's own augmentation layer already runs in phase 2
])
def test_phase_two_augments_only_where_nothing_else_does(augment, fine_tune_augment, expect_augmented):
    from types import SimpleNamespace

    images = np.full((4, 16, 16, 3), 100.0, dtype="float32")
    images[:, :, :8] = 200.0  # left half bright: a horizontal flip or rotation changes it
    train = tf.data.Dataset.from_tensor_slices((images, np.zeros(4))).batch(4)
    data = SimpleNamespace(train=train)
    config = get_blueprint("transfer").resolve(augment=augment, fine_tune_augment=fine_tune_augment, fine_tune=True, fine_tune_layers=(5,))
    batch = _first_batch(fine_tune_training_data(data, config, seed=0))
    assert (not np.allclose(batch, images)) is expect_augmented


def test_default_fine_tuning_records_and_shows_its_augmentation(transfer_run):
    run = load_run(transfer_run)
    assert run.record["config"]["fine_tune_augment"] is True
    assert (transfer_run / "plots" / "augmentation.png").is_file()


def test_saved_model_is_whole_and_predicts_raw_images_in_a_fresh_process(transfer_run, probe_image, tmp_path):
    record = json.loads((transfer_run / "run.json").read_text())
    layers = [layer["name"] for layer in record["model"]["layers"]]
    assert layers[0] == "image" and layers[-2:] == ["pool", "classifier"]
    output = tmp_path / "preds.csv"
    subprocess.run(
        [sys.executable, "-m", "tfjourney.cli", "predict", str(transfer_run), str(probe_image), "--output", str(output)],
        check=True, capture_output=True,
    )
    fresh = pd.read_csv(output)
    from tfjourney.predict import predict

    in_process = predict([str(transfer_run), str(probe_image)]).table
    assert fresh["class"].tolist() == in_process["class"].tolist()
    np.testing.assert_allclose(fresh["probability"], in_process["probability"], rtol=1e-4)


def test_report_shows_both_phases(transfer_run):
    from tfjourney.reports import write_report

    html = write_report(transfer_run).read_text()
    metrics = json.loads((transfer_run / "metrics.json").read_text())
    assert f"{metrics['phase1_accuracy']:.1%}" in html
    assert f"{metrics['tta_accuracy']:.1%}" in html and "With test-time augmentation" in html
    assert "fine-tuning" in html.lower()
    assert "Fine-tuning stages" in html and html.count("<td>top ") == 2  # one row per stage
    assert "https://" not in html and "http://" not in html


def test_an_unknown_backbone_is_an_argparse_error_listing_the_backbones(shapes_folder, tmp_path, capsys):
    """Row choices are argparse choices (as `--loss hinge` in test_cli): exit 2 naming every backbone."""
    with pytest.raises(SystemExit) as info:
        main(["train", "transfer", str(shapes_folder), "--out", str(tmp_path / "never"), "--backbone", "nope"])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err and not (tmp_path / "never").exists()


@pytest.mark.parametrize("argv, message", [
    (["--fine-tune-layers", "100000", "--image-size", "64"], "pass at most"),
    (["--fine-tune-lr-factor", "2"], "must be in (0, 1]"),
    (["--lr-decay", "0"], "must be in (0, 1]"),
    (["--fine-tune-layers", "20,10"], "must be positive and increasing"),
    (["--fine-tune-layers", "10,20", "--fine-tune-epochs", "1,2,3"], "one per stage"),
])
def test_bad_transfer_settings_are_one_line_errors(shapes_folder, tmp_path, capsys, argv, message):
    out = tmp_path / "never"
    assert main(["train", "transfer", str(shapes_folder), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_no_fine_tune_augment_flag_reaches_the_config():
    from tfjourney.cli import _hyperparameters, build_parser

    args = build_parser().parse_args(["train", "transfer", "photos", "--no-fine-tune-augment"])
    assert _hyperparameters(args, "transfer")["fine_tune_augment"] is False
    assert "fine_tune_augment" not in _hyperparameters(build_parser().parse_args(["train", "transfer", "photos"]), "transfer")


def test_imagenet_predict_reads_names_not_indices(probe_image, capsys):
    assert main(["predict", "--imagenet", str(probe_image), "--top-k", "3"]) == 0
    table = capsys.readouterr().out
    assert "rank" in table and "probability" in table
    assert not any(line.split()[-2].isdigit() for line in table.splitlines()[1:] if line.strip())


def test_fine_tuning_that_does_not_help_on_validation_is_rolled_back(shapes_folder, tmp_path):
    """A learning rate far too high for fine-tuning wrecks the backbone; the phase-1 weights must come back."""
    from tfjourney.pipelines.transfer import train_transfer

    run = train_transfer(
        shapes_folder, out=tmp_path / "wrecked", epochs=3, image_size=64, seed=0,
        fine_tune_layers=40, fine_tune_epochs=1, learning_rate=0.01, fine_tune_lr_factor=1.0,
    )
    history = pd.read_csv(run.path / "history.csv")
    assert history["val_loss"][3:].min() > history["val_loss"][:3].min()  # fine-tuning made validation worse ...
    assert run.record["training"]["fine_tune_kept"] is False  # ... so it was rolled back
    assert run.metrics["accuracy"] == run.metrics["phase1_accuracy"]
    assert run.record["training"]["best_epoch"] <= 3


# ----------------------------------------------------------------------------- the head refit on training + validation
def test_refit_plan_refits_only_the_cached_head_without_fine_tuning():
    from tfjourney.pipelines.transfer import refit_plan

    resolve = get_blueprint("transfer").resolve
    assert refit_plan(resolve(refit=True), fine_tunes=False) == (True, None)
    assert refit_plan(resolve(refit=False), fine_tunes=False) == (False, None)
    assert refit_plan(resolve(refit=False), fine_tunes=True) == (False, None)
    refit, record = refit_plan(resolve(refit=True), fine_tunes=True)
    assert refit is False and "validation" in record["skipped"]
    refit, record = refit_plan(resolve(refit=True, augment=True), fine_tunes=False)
    assert refit is False and "embeddings" in record["skipped"]


def test_refit_head_starts_afresh_on_every_row_and_repeats_with_its_seed():
    from tfjourney.training.refit import refit_head

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1)
    embedding = keras.Input(shape=(8,))
    head = keras.Model(embedding, keras.layers.Dense(3, activation="softmax")(embedding))
    initial = head.get_weights()
    kwargs = dict(epochs=4, n_classes=3, learning_rate=0.01, batch_size=16, seed=3)
    result = refit_head(head, initial, (x[:40], y[:40]), (x[40:], y[40:]), **kwargs)
    assert (result.epochs, result.rows) == (4, 50) and set(result.record()) == {"epochs", "rows", "seconds"}
    first = head.get_weights()
    assert not np.allclose(first[0], initial[0])
    head.set_weights([w + 1.0 for w in first])  # wherever the head stands, a refit starts from `initial`
    refit_head(head, initial, (x[:40], y[:40]), (x[40:], y[40:]), **kwargs)
    for again, before in zip(head.get_weights(), first):
        np.testing.assert_allclose(again, before, rtol=1e-5, atol=1e-6)


def _head_weights(run_path) -> list[np.ndarray]:
    return keras.models.load_model(run_path / "model.keras").get_layer("classifier").get_weights()


@pytest.fixture(scope="module")
def refit_runs(shapes_folder, tmp_path_factory):
    """The same seed with the head refit (the default) and with --no-refit: 4 phase-1 epochs on cached embeddings."""
    from tfjourney.pipelines.transfer import train_transfer

    out = tmp_path_factory.mktemp("refit")
    kwargs = dict(epochs=4, image_size=64, seed=0, learning_rate=0.01)
    return (train_transfer(shapes_folder, out=out / "refit", refit=True, **kwargs),
            train_transfer(shapes_folder, out=out / "no-refit", refit=False, **kwargs))


def test_refit_trains_the_head_on_training_plus_validation_for_the_chosen_epochs(refit_runs):
    refit, plain = refit_runs
    training = refit.record["training"]
    counts = refit.record["data"]["counts"]
    assert training["refit"]["epochs"] == training["best_epoch"] >= 1
    assert training["refit"]["rows"] == sum(counts["train"].values()) + sum(counts["val"].values())
    assert refit.record["config"]["refit"] is True and refit.record["timings"]["refit_seconds"] > 0
    assert plain.record["config"]["refit"] is False and plain.record["training"]["refit"] is None
    assert "refit_seconds" not in plain.record["timings"]
    assert not np.allclose(_head_weights(refit.path)[0], _head_weights(plain.path)[0])  # the saved model is the refit head


def test_no_refit_keeps_early_stoppings_best_head(refit_runs, shapes_folder):
    """--no-refit is the behaviour before refitting existed: the saved head is phase 1's best, so its validation loss
    is the lowest one history.csv recorded."""
    from tfjourney.pipelines.images import load_for_training

    _, plain = refit_runs
    image_data = load_for_training(shapes_folder, get_blueprint("transfer").resolve(image_size=64), seed=0, strict=False)
    model = keras.models.load_model(plain.path / "model.keras")
    batches = [(model.predict_on_batch(images), labels.numpy()) for images, labels in image_data.val]  # one pass: labels match
    probabilities, labels = (np.concatenate(parts) for parts in zip(*batches))
    val_loss = float(np.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities)))
    history = pd.read_csv(plain.path / "history.csv")
    assert val_loss == pytest.approx(history["val_loss"].min(), rel=1e-3)


def test_refit_flags_reach_the_config():
    from tfjourney.cli import _hyperparameters, build_parser

    parse = build_parser().parse_args
    assert _hyperparameters(parse(["train", "transfer", "photos", "--no-refit"]), "transfer") == {"refit": False}
    assert _hyperparameters(parse(["train", "transfer", "photos", "--refit"]), "transfer") == {"refit": True}
