"""Render `report.html` for a run folder from its files alone, so it can be re-rendered any time."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("tfjourney", "reports/templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)


def _embed_png(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def write_report(run_dir: Path | str) -> Path:
    run_dir = Path(run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    plots = [(p.stem.replace("_", " "), _embed_png(p)) for p in sorted((run_dir / "plots").glob("*.png"))]
    html = _ENV.get_template("report.html.j2").render(record=record, metrics=metrics, plots=plots)
    path = run_dir / "report.html"
    path.write_text(html)
    return path
