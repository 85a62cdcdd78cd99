"""The four pages (each its own URL, bookmarkable) and the packaged assets they load; no CDN."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from tfjourney.studio.static_files import STATIC

router = APIRouter()
PAGES = ("runs", "playground", "explainer", "text-explainer", "predict")


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/runs")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)  # no icon; a 204 keeps browsers' consoles free of 404s


def _page(name: str):
    def page() -> FileResponse:
        return FileResponse(STATIC / f"{name.replace('-', '_')}.html", media_type="text/html", headers={"Cache-Control": "no-store"})

    page.__name__ = f"{name}_page"
    return page


for _name in PAGES:
    router.add_api_route(f"/{_name}", _page(_name), methods=["GET"], include_in_schema=False)
