"""Self-contained HTML pages rendered from a run folder (and nothing else)."""

from tfjourney.reports.report import write_report

__all__ = ["write_report"]
