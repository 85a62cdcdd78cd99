"""The studio in a real browser: Playwright for Python driving Debian's Chromium.

Skipped (with the reason) when no `chromium` is installed, unless TFJOURNEY_REQUIRE_BROWSER=1
(as in CI), where a missing browser fails. Every test saves a screenshot under its tmp dir.
"""

from __future__ import annotations

import io
import json
import os
import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("TFJOURNEY_REQUIRE_BROWSER") == "1":
            pytest.fail("TFJOURNEY_REQUIRE_BROWSER=1 but no `chromium` on PATH; install it with `apt-get install -y chromium`.")
        pytest.skip("no `chromium` on PATH (apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _number(page, selector) -> float:
    return float(page.inner_text(selector).replace(",", ""))


def _canvas(page, selector) -> str:
    return page.eval_on_selector(selector, "c => c.toDataURL()")


def test_playground_plays_learns_and_keeps_its_state_in_the_url(live_studio, page, tmp_path):
    page.goto(f"{live_studio}/playground?features=x1%5E2,x2%5E2&hidden=4")
    page.wait_for_function("document.querySelector('#loss-test').textContent !== '–'")
    start_loss, start_heatmap = float(page.inner_text("#loss-test")), _canvas(page, "#heatmap")
    page.click("#play")
    page.wait_for_function(f"Number(document.querySelector('#epoch').textContent.replace(',', '')) >= 5 && "
                           f"Number(document.querySelector('#loss-test').textContent) < {start_loss}", timeout=20_000)
    page.click("#play")  # pause
    assert _number(page, "#epoch") >= 5 and float(page.inner_text("#loss-test")) < start_loss
    assert _canvas(page, "#heatmap") != start_heatmap
    page.screenshot(path=tmp_path / "playground.png", full_page=True)

    before = page.url
    page.click('[data-feature="x1*x2"]')
    page.wait_for_function(f"window.location.href !== {before!r}")
    assert "x1*x2" in page.url.replace("%2A", "*").replace("%5E", "^").replace("%2C", ",")
    page.select_option("#activation", "relu")
    page.wait_for_function("window.location.search.includes('act=relu')")
    url = page.url
    page.goto(url)
    page.wait_for_function("document.querySelector('#loss-test').textContent !== '–'")
    assert page.url == url
    assert page.eval_on_selector("#activation", "s => s.value") == "relu"
    assert page.eval_on_selector('[data-feature="x1*x2"]', "e => e.classList.contains('on')")
    assert page.eval_on_selector('[data-feature="x1"]', "e => e.classList.contains('on')") is False


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(5).integers(0, 255, (50, 40, 3)).astype("uint8")).save(buffer, "PNG")
    return buffer.getvalue()


def test_explainer_shows_maps_probabilities_gradcam_and_upload_errors(live_studio, studio_runs, page, tmp_path):
    page.goto(f"{live_studio}/explainer")
    page.wait_for_selector("#sample option:nth-child(2)", state="attached")
    photo = tmp_path / "photo.png"
    photo.write_bytes(_png())
    page.set_input_files("#file", str(photo))
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    assert float(page.get_attribute("#prob-sum", "data-sum")) == pytest.approx(1.0, abs=1e-3)
    filters = json.loads((studio_runs / "journey" / "cnn-run" / "run.json").read_text())["config"]["filters"]
    assert page.locator('.ex-col[data-layer="block1_conv1"] canvas').count() == filters  # one map per channel
    assert page.get_attribute("#gradcam", "src").startswith("data:image/png;base64,")
    page.screenshot(path=tmp_path / "explainer.png", full_page=True)

    page.click('.ex-col[data-layer="block1_conv1"] canvas >> nth=0')
    page.click("#modal-canvas", position={"x": 60, "y": 80})
    page.wait_for_selector("#arithmetic .formula")
    assert "the model's own value" in page.inner_text("#arithmetic")
    page.click("#modal-close")

    fake = tmp_path / "notes.png"
    fake.write_text("not an image at all")
    page.set_input_files("#file", str(fake))
    page.wait_for_function("document.querySelector('#error').textContent.includes('notes.png')")
    assert "not a readable image" in page.inner_text("#error")
    page.screenshot(path=tmp_path / "explainer-error.png", full_page=True)


def test_runs_lists_the_fixture_runs_and_compares_two(live_studio, page, tmp_path):
    page.goto(f"{live_studio}/runs")
    page.wait_for_selector("#runs tbody tr")
    names = page.locator("#runs tbody tr td:nth-child(2) b").all_inner_texts()
    assert {"cnn-run", "circles-run"} <= set(names)
    page.click("#runs th[data-key=blueprint]")
    page.screenshot(path=tmp_path / "runs.png", full_page=True)
    for name in ("cnn-run", "circles-run"):
        page.locator("#runs tbody tr", has_text=name).locator("input[type=checkbox]").check()
    page.click("#compare")
    page.wait_for_url("**/compare?ids=*")
    assert "Comparing 2 runs" in page.content()
    page.screenshot(path=tmp_path / "compare.png", full_page=True)


def test_predict_page_shows_a_table(live_studio, page, tmp_path):
    page.goto(f"{live_studio}/predict")
    page.wait_for_selector("#run option", state="attached")
    page.select_option("#run", label=next(t for t in page.locator("#run option").all_inner_texts() if t.startswith("cnn-run")))
    photo = tmp_path / "photo.png"
    photo.write_bytes(_png())
    page.set_input_files("#files", str(photo))
    page.click("#go")
    page.wait_for_selector("#result:not([hidden]) tbody tr")
    assert page.locator("#result tbody tr").first.inner_text().startswith("photo.png")
    page.screenshot(path=tmp_path / "predict.png", full_page=True)
