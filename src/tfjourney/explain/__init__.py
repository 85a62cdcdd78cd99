"""`tfjourney explain`: what CNN Explainer shows, for the user's own CNN or transfer model.

For one image it writes the learned first-layer filters, every convolution block's feature
maps (in network order) and a Grad-CAM heatmap of the class the model predicts (or the one
asked for), then one self-contained HTML page that shows them all.

* :mod:`tfjourney.explain.compute` -- the arrays (feature maps, filters, Grad-CAM), no drawing;
* :mod:`tfjourney.explain.plots` -- the figures drawn from those arrays;
* :mod:`tfjourney.explain.page` -- one image's PNGs and ``index.html`` in a run folder.

Example:
    >>> from tfjourney.explain import explain_run
    >>> explain_run("runs/food", "steak.jpeg")          # doctest: +SKIP
    PosixPath('runs/food/explain/steak/index.html')
"""

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

from tfjourney.explain.compute import conv_layer_names, feature_maps, first_layer_filters, grad_cam, upsample
from tfjourney.explain.page import explain_run
from tfjourney.explain.plots import gradcam_title, plot_feature_maps, plot_filters, plot_grad_cam

__all__ = [
    "conv_layer_names",
    "explain_run",
    "feature_maps",
    "first_layer_filters",
    "grad_cam",
    "gradcam_title",
    "plot_feature_maps",
    "plot_filters",
    "plot_grad_cam",
    "upsample",
]
