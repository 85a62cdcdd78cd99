"""`tfjourney journey --quick`: every blueprint on embedded data, one index page linking every report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tfjourney.cli import main
from tfjourney.journey import STEPS


@pytest.fixture(scope="module")
def journey_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("journey") / "tour"
    assert main(["journey", "--quick", "--out", str(out)]) == 0
    return out


def test_quick_journey_links_a_report_for_every_step(journey_dir, capsys):
    index = journey_dir / "index.html"
    html = index.read_text()
    links = re.findall(r'href="([^"]+report\.html)"', html)
    assert len(set(links)) == len(STEPS) == 5
    for link in links:
        assert (index.parent / link).is_file()
    assert not re.search(r"https?://", html)


def test_every_step_learned_something(journey_dir):
    import json

    for run in sorted((journey_dir / "runs").iterdir()):
        metrics = json.loads((run / "metrics.json").read_text())
        if "mae" in metrics:
            assert metrics["mae"] < metrics["baseline_mae"]
        else:
            assert metrics["accuracy"] > metrics["baseline_accuracy"] + 0.3, run.name


def test_transfer_step_ran_both_phases(journey_dir):
    import json

    metrics = json.loads((journey_dir / "runs" / "transfer_learning" / "metrics.json").read_text())
    assert {"phase1_accuracy", "fine_tune_accuracy"} <= set(metrics)


def test_an_existing_journey_is_not_overwritten(journey_dir, capsys):
    assert main(["journey", "--quick", "--out", str(journey_dir)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_a_users_own_index_page_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<p>my site</p>")
    assert main(["journey", "--quick", "--out", str(out), "--overwrite"]) == 2
    assert "was not written by tfjourney" in capsys.readouterr().err
    assert (out / "index.html").read_text() == "<p>my site</p>"
