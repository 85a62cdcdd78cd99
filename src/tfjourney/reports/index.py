"""The journey's front page: one card per step, each linking to its run's report.

Example:
    >>> render_index([{"step": "Regression", "blueprint": "regression", "run_dir": Path("j/regression"),
    ...                "dataset": "diabetes", "headline": "MAE 40", "status": "ok", "error": None,
    ...                "seconds": 9.5}], Path("j/index.html"))          # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tfjourney.blueprints import get_blueprint
from tfjourney.errors import TfjourneyError
from tfjourney.reports.embedding import embed_png, relative_link
from tfjourney.reports.formatting import format_seconds
from tfjourney.reports.report import REPORT_FILE, render
from tfjourney.runs import RUN_FILE

_BLUEPRINT_ROWS = 7
_THUMBNAIL_WIDTH = 520


def _record(run_dir: Path | None) -> dict:
    """run.json if the step got that far; an empty dict otherwise."""
    if run_dir is None or not (run_dir / RUN_FILE).is_file():
        return {}
    try:
        return json.loads((run_dir / RUN_FILE).read_text())
    except json.JSONDecodeError:
        return {}


def _blueprint_rows(blueprint: str, config: dict) -> list[dict]:
    """The first rows of the blueprint table with the values this step used."""
    try:
        rows = get_blueprint(blueprint).table_rows(config)
    except (TfjourneyError, KeyError, ValueError):
        return [{"hyperparameter": k, "used": str(v), "changed": False} for k, v in list(config.items())[:_BLUEPRINT_ROWS]]
    return rows[:_BLUEPRINT_ROWS]


def _link(run_dir: Path | None, out: Path) -> str | None:
    """Relative link from the index to the step's report (None when there is no report)."""
    if run_dir is None or not (run_dir / REPORT_FILE).is_file():
        return None
    return relative_link(run_dir / REPORT_FILE, out)


def _thumbnail(run_dir: Path | None) -> str | None:
    path = run_dir / "plots" / "loss.png" if run_dir is not None else None
    return embed_png(path, max_width=_THUMBNAIL_WIDTH) if path is not None and path.is_file() else None


def _card_view(number: int, card: dict[str, Any], out: Path) -> dict:
    """Everything one step's card shows."""
    run_dir = Path(card["run_dir"]) if card.get("run_dir") else None
    record = _record(run_dir)
    blueprint = record.get("blueprint") or card.get("blueprint", "")
    ok = card.get("status", "ok") == "ok"
    return {
        "number": number,
        "step": card.get("step", blueprint),
        "blueprint": blueprint,
        "dataset": card.get("dataset", ""),
        "headline": card.get("headline") or "",
        "ok": ok,
        "error": card.get("error") or ("" if ok else "this step failed"),
        "seconds": format_seconds(card["seconds"]) if isinstance(card.get("seconds"), (int, float)) else None,
        "rows": _blueprint_rows(blueprint, record.get("config") or {}) if record or blueprint else [],
        "thumbnail": _thumbnail(run_dir),
        "link": _link(run_dir, out),
    }


def _count_word(n: int) -> str:
    """"five" for 5: the intro counts the cards it sits above."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else str(n)


def render_index(cards: list[dict], out: Path, title: str = "Your tfjourney") -> Path:
    """Write the journey's index.html: an intro, then one card per step with links to the reports."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    steps = [_card_view(i, card, out) for i, card in enumerate(cards, start=1)]
    view = {
        "title": title,
        "steps": steps,
        "steps_word": _count_word(len(steps)),
        "ok": sum(1 for s in steps if s["ok"]),
        "failed": sum(1 for s in steps if not s["ok"]),
        "total_seconds": format_seconds(sum(c["seconds"] for c in cards if isinstance(c.get("seconds"), (int, float)))),
    }
    out.write_text(render("index.html.j2", v=view), encoding="utf-8")
    return out
