"""Render `report.html` for a run folder from its files alone, so it can be re-rendered any time.

The page is one self-contained file (CSS inline, figures as base64 data URIs, no
external URLs). Python builds a plain "view model" dict with small functions;
the Jinja templates only lay it out.

Example:
    >>> from tfjourney.reports import write_report
    >>> write_report("runs/circles")          # doctest: +SKIP
    PosixPath('runs/circles/report.html')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from tfjourney.reports.formatting import format_metric, format_number, format_seconds, no_link, value_size, with_keys
from tfjourney.reports.views import report_view
from tfjourney.runs import REPORT_FILE

GENERATOR_MARK = '<meta name="generator" content="tfjourney">'  # base.html.j2 puts it in every page's head


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("tfjourney", "reports/templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(num=format_number, seconds=format_seconds, nolink=no_link, keys=with_keys, metric=format_metric, fit=value_size)


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates (all extend base.html.j2)."""
    return _ENV.get_template(template).render(**context)


def write_report(run_dir: Path | str) -> Path:
    """Write RUN_DIR/report.html from the folder's files; safe to call again at any time."""
    view = report_view(run_dir)
    path = Path(run_dir) / REPORT_FILE
    path.write_text(render("report.html.j2", v=view), encoding="utf-8")
    return path


def written_by_tfjourney(path: Path) -> bool:
    """True for a page tfjourney rendered; anything else at that path is the user's and is never replaced."""
    if not path.is_file():
        return False
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return GENERATOR_MARK in handle.read(4096)
    except OSError:
        return False
