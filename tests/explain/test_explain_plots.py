"""explain.plots: the figures' titles say which class is explained and why."""

from __future__ import annotations


def test_gradcam_title_reads_plainly():
    from tfjourney.explain import gradcam_title

    assert gradcam_title("steak", 0.916, "steak", 0.916, False, "top_activation") == (
        "Grad-CAM for 'steak' (predicted, 91.6%) — layer top_activation")
    asked = gradcam_title("omelette", 0.051, "steak", 0.916, True, "top_activation")
    assert asked == "Grad-CAM for 'omelette' (asked for; predicted: steak 91.6%) — p(omelette) = 5.1%, layer top_activation"
    assert "asked for (" not in asked and asked.count("(") == 2
    assert "also predicted, 91.6%" in gradcam_title("steak", 0.916, "steak", 0.916, True, "conv")
