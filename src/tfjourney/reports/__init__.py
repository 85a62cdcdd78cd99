"""Self-contained HTML pages rendered from a run folder (and nothing else)."""

from tfjourney.reports.compare import report_runs
from tfjourney.reports.index import render_index
from tfjourney.reports.report import write_report

__all__ = ["render_index", "report_runs", "write_report"]
