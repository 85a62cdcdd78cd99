"""Runs: the listing of the studio's runs folder, each run's report, and comparison pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from tfjourney.reports.compare import comparison_html
from tfjourney.run_index import find_runs, run_id
from tfjourney.runs import REPORT_FILE
from tfjourney.studio.errors import ApiError
from tfjourney.studio.state import StudioState, get_state

router = APIRouter()
MAX_COMPARE = 12
# The studio's nav bar on top of tfjourney's own (self-contained) report and comparison pages.
NAV = ('<nav style="display:flex;gap:4px;align-items:center;padding:8px 16px;background:#183153;font:14px system-ui,sans-serif">'
       '<b style="color:#fff;margin-right:18px">tfjourney studio</b>'
       + "".join(f'<a style="color:#cfe0f5;text-decoration:none;padding:6px 12px" href="/{page}">{page.title()}</a>'
                 for page in ("runs", "playground", "explainer", "predict"))
       + "</nav>")


def with_nav(html: str) -> str:
    """The page with the studio's navigation bar as the first thing in its body."""
    at = html.find(">", html.find("<body")) + 1 if "<body" in html else 0
    return html[:at] + NAV + html[at:]


@router.get("/api/runs")
def list_runs(state: StudioState = Depends(get_state)) -> dict:
    """Every run under the runs folder, newest first (ids, never paths, address them)."""
    return {"runs_dir": state.runs_dir.name, "runs": [entry.to_dict() for entry in find_runs(state.runs_dir)]}


@router.get("/runs/{run_id}/report", response_class=HTMLResponse)
def run_report(run_id: str, state: StudioState = Depends(get_state)) -> HTMLResponse:
    entry = state.run(run_id)
    report = entry.path / REPORT_FILE
    if not report.is_file():
        raise ApiError(404, f"run {entry.name} has no report.html; write it with `tfjourney report {entry.relative}`.")
    return HTMLResponse(with_nav(report.read_text(encoding="utf-8")))


@router.get("/api/studies")
def list_studies(state: StudioState = Depends(get_state)) -> dict:
    """Every `tfjourney tune` study folder under the runs folder, with its best run's id when that run is there too."""
    from tfjourney.tune.index import find_studies

    studies = []
    for entry in find_studies(state.runs_dir):
        study = entry.to_dict()
        study["best_run_id"] = run_id(entry.best_run) if entry.best_run else None
        studies.append(study)
    return {"studies": studies}


@router.get("/studies/{study_id}/report", response_class=HTMLResponse)
def study_report(study_id: str, state: StudioState = Depends(get_state)) -> HTMLResponse:
    """A study's report page under the studio's nav; its link to the best run opens that run's report here."""
    from tfjourney.tune.index import find_studies

    entry = next((e for e in find_studies(state.runs_dir) if e.id == study_id), None)
    if entry is None or not entry.has_report:
        raise ApiError(404, f"no study with id {study_id} under the runs folder; the Runs page lists them.")
    html = (entry.path / REPORT_FILE).read_text(encoding="utf-8")
    if entry.best_run:
        html = html.replace(f'href="{entry.best_run.rsplit("/", 1)[-1]}/{REPORT_FILE}"', f'href="/runs/{run_id(entry.best_run)}/report"')
    return HTMLResponse(with_nav(html))


@router.get("/compare", response_class=HTMLResponse)
def compare(ids: str = Query(..., description="comma-separated run ids"), state: StudioState = Depends(get_state)) -> HTMLResponse:
    """The comparison page of two or more runs, rendered in memory (nothing is written to the runs)."""
    wanted = [i for i in ids.split(",") if i]
    if not 2 <= len(wanted) <= MAX_COMPARE:
        raise ApiError(400, f"tick between 2 and {MAX_COMPARE} runs to compare (got {len(wanted)}).")
    entries = [state.run(i) for i in wanted]
    return HTMLResponse(with_nav(comparison_html([e.path for e in entries], links=[f"/runs/{e.id}/report" for e in entries])))
