"""Every dataset tfjourney knows, in one place: embedded tables, embedded images, downloadable zips.

Checksums of the course's zips are not pinned yet (``sha256=None``: trust on first use, see
:mod:`tfjourney.data.download`); pin them here once they are known.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfjourney.data.cache import downloads_dir
from tfjourney.data.embedded import EMBEDDED_TABLES
from tfjourney.data.embedded_images import EMBEDDED_IMAGE_DATASETS
from tfjourney.data.embedded_text import EMBEDDED_TEXTS, SAMPLE_TWEETS_LICENSE

_COURSE_BUCKET = "https://storage.googleapis.com/ztm_tf_course/food_vision"
_FOOD_LICENSE = (
    "Subset of Food-101 (Bossard et al., 2014), redistributed by the ZTM TensorFlow course; "
    "research/educational use"
)


@dataclass(frozen=True)
class EmbeddedSeries:
    """A series that ships inside the package (no download)."""

    name: str
    file: str
    time: str
    target: str
    description: str
    license: str


EMBEDDED_SERIES: dict[str, EmbeddedSeries] = {
    "co2": EmbeddedSeries(
        "co2", "co2_weekly.csv", "date", "co2",
        "Mauna Loa weekly atmospheric CO2 (ppmv), 1958-03-29 to 2001-12-29: 2,284 weeks, 59 missing",
        "public domain (Keeling & Whorf, CDIAC; as bundled with statsmodels' datasets.co2)",
    ),
}


@dataclass(frozen=True)
class RemoteDataset:
    """A downloadable zip: where it lives and what it must hash to (None = trust on first use)."""

    name: str
    url: str
    sha256: str | None
    size_bytes: int | None
    description: str
    license: str


def _course_zip(name: str, description: str) -> RemoteDataset:
    """A Food-101 subset zip from the course bucket (digest not pinned: trust on first use)."""
    return RemoteDataset(
        name=name,
        url=f"{_COURSE_BUCKET}/{name}.zip",
        sha256=None,
        size_bytes=None,
        description=description,
        license=_FOOD_LICENSE,
    )


CATALOG: dict[str, RemoteDataset] = {
    entry.name: entry
    for entry in (
        _course_zip("pizza_steak", "Food-101 subset, 2 classes (pizza, steak): 750 train + 250 test images each."),
        _course_zip("10_food_classes_all_data", "Food-101 subset, 10 classes: 750 train + 250 test images per class."),
        _course_zip("10_food_classes_10_percent",
                    "Food-101 subset, 10 classes: 75 train (10%) + 250 test images per class."),
        _course_zip("10_food_classes_1_percent",
                    "Food-101 subset, 10 classes: 7 train (1%) + 250 test images per class."),
        RemoteDataset(
            name="nlp_getting_started",
            url="https://storage.googleapis.com/ztm_tf_course/nlp_getting_started.zip",
            sha256=None,
            size_bytes=None,
            description="Disaster tweets (train text): train.csv with 7,613 labelled tweets (target 1 = disaster) + unlabelled test.csv.",
            license="Not open: Kaggle competition data ('Natural Language Processing with Disaster Tweets', credited to Figure "
                    "Eight's Data for Everyone; tweets are third-party Twitter content), mirrored by the ZTM TensorFlow course; "
                    "Kaggle's competition rules apply; never embedded or redistributed by tfjourney",
        ),
    )
}

# Licences of the embedded datasets that are not scikit-learn's or generated images (see each module).
EMBEDDED_LICENSES = {"sample_tweets": SAMPLE_TWEETS_LICENSE}


def list_datasets() -> str:
    """The text `tfjourney datasets` prints."""
    lines = ["Embedded tables (no download; use as DATA for train regression/classification):"]
    lines += [f"  {t.name:<28} {t.task:<11} target={t.target:<12} {t.description}" for t in EMBEDDED_TABLES.values()]
    lines += ["", "Embedded images (no download; use as DATA for train cnn/transfer):"]
    lines += [f"  {name:<28} {description}" for name, description in EMBEDDED_IMAGE_DATASETS.items()]
    lines += ["", "Embedded series (no download; use as DATA for train forecast):"]
    lines += [f"  {s.name:<28} target={s.target:<12} {s.description}; {s.license}" for s in EMBEDDED_SERIES.values()]
    lines += ["", "Embedded texts (no download; use as DATA for train text):"]
    lines += [f"  {name:<28} {description}" for name, description in EMBEDDED_TEXTS.items()]
    lines += ["", f"Downloadable (`tfjourney datasets fetch NAME`; cached in {downloads_dir()}):"]
    lines += [f"  {d.name:<28} {d.description}" for d in CATALOG.values()]
    return "\n".join(lines)
