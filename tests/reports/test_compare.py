"""Comparison page and journey index: both self-contained, with relative links that resolve."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tfjourney.reports import render_index, report_runs
from tfjourney.reports.formatting import format_number


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[Path]:
    """Two tiny regression runs on diabetes that differ in their hidden layers."""
    from tfjourney.pipelines.tabular import train_tabular

    root = tmp_path_factory.mktemp("compare-runs")
    return [
        train_tabular("regression", "diabetes", out=root / "wide", epochs=3, seed=0).path,
        train_tabular("regression", "diabetes", out=root / "narrow", epochs=3, seed=0, hidden=(10,)).path,
    ]


def _links(html: str) -> list[str]:
    return re.findall(r'<a[^>]*\shref="([^"#][^"]*)"', html)


def test_one_run_rerenders_its_report(two_runs):
    (two_runs[0] / "report.html").unlink()
    assert report_runs([two_runs[0]]) == two_runs[0] / "report.html"
    assert (two_runs[0] / "report.html").is_file()


def test_compare_page_has_both_runs_maes_and_overlay(two_runs):
    page = report_runs(two_runs)
    assert page == two_runs[0].parent / "compare.html"
    html = page.read_text(encoding="utf-8")
    assert "https://" not in html and "http://" not in html
    for run_dir in two_runs:
        assert run_dir.name in html
        mae = json.loads((run_dir / "metrics.json").read_text())["mae"]
        assert format_number(mae) in html
    images = re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
    assert len(images) == 1 and images[0].startswith("data:image/png;base64,")
    assert "hidden=10" in html
    links = _links(html)
    assert links and all((page.parent / link).resolve().is_file() for link in links)


def test_compare_out_elsewhere_keeps_links_working(two_runs, tmp_path):
    page = report_runs(two_runs, out=tmp_path / "pages" / "mine.html")
    links = _links(page.read_text(encoding="utf-8"))
    assert len(set(links)) == 2 and all((page.parent / link).resolve().is_file() for link in links)


def test_compare_out_folder_and_foreign_files(two_runs, tmp_path):
    from tfjourney.errors import RunFolderError

    folder = tmp_path / "existing"
    folder.mkdir()
    page = report_runs(two_runs, out=folder)
    assert page == folder / "compare.html" and page.is_file()
    assert report_runs(two_runs, out=folder) == page  # our own page may be re-written
    mine = tmp_path / "notes.html"
    mine.write_text("<html>my own notes</html>")
    with pytest.raises(RunFolderError, match="not written by tfjourney; pass another `out`"):
        report_runs(two_runs, out=mine)
    assert mine.read_text() == "<html>my own notes</html>"
    (folder / "compare.html").write_text("hand-written")
    with pytest.raises(RunFolderError, match="exists and was not written by tfjourney"):
        report_runs(two_runs, out=folder)


def test_mixed_blueprints_get_small_multiples_and_grouped_metrics(two_runs, tmp_path):
    """A classification run next to regression ones: separate panels, one metric table per family, no key=– rows."""
    from tfjourney.pipelines.tabular import train_tabular

    other = train_tabular("classification", "circles", out=tmp_path / "circles", epochs=2, seed=0).path
    page = report_runs([*two_runs, other], out=tmp_path / "mixed.html")
    html = page.read_text(encoding="utf-8")
    assert "one panel per run" in html and "overlaid" not in html
    assert "Regression runs" in html and "Classification runs" in html
    assert "=–" not in html
    assert "hidden=10" in html
    same = report_runs(two_runs, out=tmp_path / "same.html").read_text(encoding="utf-8")
    assert "Training curves, overlaid" in same and "Regression runs" not in same


def test_index_cards_link_to_reports(two_runs, tmp_path):
    cards = [
        {"step": "Regression", "blueprint": "regression", "run_dir": two_runs[0], "dataset": "diabetes", "headline": "MAE 40",
         "status": "ok", "error": None, "seconds": 4.2},
        {"step": "Regression (narrow)", "blueprint": "regression", "run_dir": two_runs[1], "dataset": "diabetes",
         "headline": "MAE 45", "status": "ok", "error": None, "seconds": 3.0},
        {"step": "CNN", "blueprint": "cnn", "run_dir": tmp_path / "never-written", "dataset": "pizza_steak", "headline": "",
         "status": "failed", "error": "DataError: no images found", "seconds": 0.5},
    ]
    out = render_index(cards, tmp_path / "journey" / "index.html")
    html = out.read_text(encoding="utf-8")
    assert "https://" not in html and "http://" not in html
    links = set(_links(html))
    assert len(links) == 2
    for link in links:
        assert not Path(link).is_absolute()
        assert (out.parent / link).resolve().is_file()
    assert "MAE 40" in html and "DataError: no images found" in html
    assert "Hidden layers" in html
    assert "Three steps across the four architectures" in html
    assert all(src.startswith("data:image/png") for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html))
