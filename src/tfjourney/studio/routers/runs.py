"""Runs: the listing of the studio's runs folder, each run's report, and comparison pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, HTMLResponse

from tfjourney.reports.compare import comparison_html
from tfjourney.run_index import find_runs
from tfjourney.studio.errors import ApiError
from tfjourney.studio.state import StudioState, get_state

router = APIRouter()
MAX_COMPARE = 12


@router.get("/api/runs")
def list_runs(state: StudioState = Depends(get_state)) -> dict:
    """Every run under the runs folder, newest first (ids, never paths, address them)."""
    return {"runs_dir": state.runs_dir.name, "runs": [entry.to_dict() for entry in find_runs(state.runs_dir)]}


@router.get("/runs/{run_id}/report", response_class=FileResponse)
def run_report(run_id: str, state: StudioState = Depends(get_state)) -> FileResponse:
    entry = state.run(run_id)
    report = entry.path / "report.html"
    if not report.is_file():
        raise ApiError(404, f"run {entry.name} has no report.html; write it with `tfjourney report {entry.relative}`.")
    return FileResponse(report, media_type="text/html")


@router.get("/compare", response_class=HTMLResponse)
def compare(ids: str = Query(..., description="comma-separated run ids"), state: StudioState = Depends(get_state)) -> HTMLResponse:
    """The comparison page of two or more runs, rendered in memory (nothing is written to the runs)."""
    wanted = [i for i in ids.split(",") if i]
    if not 2 <= len(wanted) <= MAX_COMPARE:
        raise ApiError(400, f"tick between 2 and {MAX_COMPARE} runs to compare (got {len(wanted)}).")
    entries = [state.run(i) for i in wanted]
    return HTMLResponse(comparison_html([e.path for e in entries], links=[f"/runs/{e.id}/report" for e in entries]))
