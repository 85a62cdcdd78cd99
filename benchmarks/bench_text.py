"""Benchmark: the text blueprint's five bodies against TF-IDF + naive Bayes, on the course's split of disaster tweets.

The course's split: shuffle train.csv with random_state=42, then hold out 10% with
train_test_split(random_state=42) -> 6,851 training / 762 held-out tweets. Naive Bayes (the
course's model_0) fits on the 6,851; each network trains as `tfjourney train text` trains it
(the blueprint's defaults, sequence length = the training tweets' average word count, early
stopping on a stratified 10% of the 6,851 with the best weights restored) and is scored on the
762 it never saw. Printed side by side: accuracy, F1 (of class 1, "disaster"), the course's
figure, training seconds and milliseconds per tweet at prediction (762 tweets, batches of 256,
after one warm-up call).

Usage: python benchmarks/bench_text.py [CSV] [--bodies dense,lstm,gru,bilstm,conv1d] [--seeds 42]
       [--default-seeds 0,1,2]   (default CSV ../shared/data/disaster_tweets/train.csv)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tfjourney.blueprints import TEXT_BODIES, get_blueprint
from tfjourney.data.text import TextData, split_texts
from tfjourney.models.text import build_text_model, text_batch
from tfjourney.pipelines.text import f1_of, naive_bayes, predict_texts, text_dataset, with_sequence_length
from tfjourney.training.fit import compile_classifier, default_callbacks, fit, set_seed

COURSE_ACCURACY = {"naive_bayes": 0.7927, "dense": 0.786, "lstm": 0.756, "gru": 0.776, "bilstm": 0.768, "conv1d": 0.787}
COURSE_SEED = 42  # the course's random_state for the shuffle and the split


def course_split(csv: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train texts, held-out texts, train labels, held-out labels), exactly as the course splits them."""
    shuffled = pd.read_csv(csv).sample(frac=1, random_state=COURSE_SEED)
    return train_test_split(shuffled["text"].to_numpy(), shuffled["target"].to_numpy(), test_size=0.1, random_state=COURSE_SEED)


def train_body(body: str, seed: int, train_x, train_y, test_x, test_y, **overrides) -> dict:
    """One network, trained as `train text` trains it (`overrides`: other hyperparameters), scored on the held-out tweets."""
    data = TextData(texts=np.asarray(train_x, dtype=object), labels=np.asarray(train_y).astype(str).astype(object),
                    class_names=["0", "1"], source="bench", text_column="text", target="target", fingerprint="")
    config = get_blueprint("text").resolve(body=body, **overrides)
    fit_rows, val_rows = split_texts(data.labels, fraction=config.validation_split, seed=seed)
    config = with_sequence_length(config, data.texts[fit_rows], [])
    set_seed(seed)
    model = build_text_model(config, data.texts[fit_rows], n_classes=2, seed=seed)
    compile_classifier(model, 2, config.learning_rate)
    fit_ds = text_dataset(data, fit_rows, config.batch_size, seed, shuffle=True)
    val_ds = text_dataset(data, val_rows, config.batch_size, seed, shuffle=False)
    result = fit(model, fit_ds, val_ds, config.epochs, default_callbacks(None, config.patience))
    predict_texts(model, test_x[:32])  # warm-up: the first call traces the graph
    started = time.perf_counter()
    predicted = (predict_texts(model, test_x).ravel() >= 0.5).astype(int)
    ms_per_tweet = 1000 * (time.perf_counter() - started) / len(test_x)
    return {"body": body, "seed": seed, "accuracy": float(np.mean(predicted == test_y)), "f1": f1_of(test_y, predicted, 2),
            "train_s": result.seconds, "epochs": result.epochs_run, "ms_per_tweet": ms_per_tweet, "sequence_length": config.sequence_length}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=Path("../shared/data/disaster_tweets/train.csv"))
    parser.add_argument("--bodies", default=",".join(TEXT_BODIES))
    parser.add_argument("--seeds", type=_ints, default=[COURSE_SEED], help="seeds for every body")
    parser.add_argument("--default-seeds", type=_ints, default=[0, 1, 2], help="extra seeds for the blueprint's default body")
    args = parser.parse_args()
    train_x, test_x, train_y, test_y = course_split(args.csv)
    print(f"course split: {len(train_x):,} training / {len(test_x):,} held-out tweets")
    started = time.perf_counter()
    bayes = naive_bayes(train_x, train_y, test_x)
    bayes_s = time.perf_counter() - started
    print(f"{'model':<14}{'seed':>6}{'accuracy':>10}{'course':>8}{'F1':>8}{'epochs':>8}{'train s':>9}{'ms/tweet':>10}")
    print(f"{'naive Bayes':<14}{'-':>6}{np.mean(bayes == test_y):>10.1%}{COURSE_ACCURACY['naive_bayes']:>8.1%}"
          f"{f1_of(test_y, bayes, 2):>8.3f}{'-':>8}{bayes_s:>9.1f}{'-':>10}", flush=True)
    default_body = get_blueprint("text").defaults()["body"]
    rows = []
    for body in args.bodies.split(","):
        seeds = args.seeds + ([s for s in args.default_seeds if s not in args.seeds] if body == default_body else [])
        for seed in seeds:
            row = train_body(body, seed, train_x, train_y, test_x, test_y)
            rows.append(row)
            print(f"{body:<14}{seed:>6}{row['accuracy']:>10.1%}{COURSE_ACCURACY[body]:>8.1%}{row['f1']:>8.3f}"
                  f"{row['epochs']:>8}{row['train_s']:>9.1f}{row['ms_per_tweet']:>10.3f}", flush=True)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("body")[["accuracy", "f1", "train_s", "ms_per_tweet"]].agg(["mean", "min", "count"])
    print("\nper body (mean / min over seeds):")
    print(summary.to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
