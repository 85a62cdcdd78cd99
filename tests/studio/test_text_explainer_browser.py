"""The text Explainer in a real browser: type a text, see each word coloured by its contribution."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from tfjourney.errors import TfjourneyNotice

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def text_studio(tmp_path_factory):
    """A studio over one small text run (storm words vs calm words), on a free loopback port."""
    import uvicorn

    from tfjourney.pipelines.text import train_text
    from tfjourney.studio.app import create_app

    if CHROMIUM is None:
        if os.environ.get("TFJOURNEY_REQUIRE_BROWSER") == "1":
            pytest.fail("TFJOURNEY_REQUIRE_BROWSER=1 but no `chromium` on PATH; install it with `apt-get install -y chromium`.")
        pytest.skip("no `chromium` on PATH (apt-get install -y chromium); browser tests skipped")
    folder = tmp_path_factory.mktemp("text_studio")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 160)
    words = {1: ["flood", "fire", "evacuate"], 0: ["tea", "garden", "music"]}
    texts = [" ".join(rng.permutation(list(rng.choice(words[y], 2)) + ["the", "near", "today"][: rng.integers(1, 4)])) for y in labels]
    pd.DataFrame({"text": texts, "target": labels}).to_csv(folder / "tweets.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TfjourneyNotice)
        train_text(folder / "tweets.csv", embedding_dim=8, epochs=15, patience=3, out=folder / "runs" / "tweets")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runs_dir=folder / "runs"), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the studio did not start within 30 s"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_words_are_coloured_by_their_contribution(text_studio, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 700})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{text_studio}/text-explainer")
        page.wait_for_function("document.querySelector('#run').options.length === 1")
        page.fill("#text", "we evacuate the flood now")
        page.click("#go")
        page.wait_for_selector("#words span.word")
        words = page.eval_on_selector_all("#words span.word", "spans => spans.map(s => [s.textContent, s.title, s.style.background])")
        page.screenshot(path=tmp_path / "text_explainer.png", full_page=True)
        assert "Predicted 1" in page.inner_text("#summary")
        page.select_option("#class", "0")
        page.click("#go")
        page.wait_for_function("document.querySelector('#summary').textContent.includes('explaining class 0')")
        browser.close()
    assert [w[0] for w in words] == ["we", "evacuate", "the", "flood", "now"]
    points = {word: float(title.split()[0]) for word, title, _ in words}
    assert points["evacuate"] > 0 and points["flood"] > 0 and max(points, key=points.get) in ("evacuate", "flood")
    assert words[1][2] != words[0][2]  # a class word is coloured differently from a filler word
    assert not errors, f"JavaScript errors: {errors}"


def test_predict_page_takes_typed_texts(text_studio, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 700})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{text_studio}/predict")
        page.wait_for_function("!document.querySelector('#typed_label').hidden")
        page.fill("#typed", "flood fire near the river\n\ntea in the garden today")
        page.click("#go")
        page.wait_for_selector("#result tbody tr")
        rows = page.eval_on_selector_all("#result tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        page.screenshot(path=tmp_path / "predict_text.png", full_page=True)
        browser.close()
    assert [row[:2] for row in rows] == [["flood fire near the river", "1"], ["tea in the garden today", "0"]]
    assert not errors, f"JavaScript errors: {errors}"
