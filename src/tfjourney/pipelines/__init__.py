"""One pipeline per blueprint, all with the same steps: load -> build -> train -> evaluate -> write run (skeleton.py)."""

from tfjourney._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()  # before Keras / TensorFlow load: their native start-up notices stay muted

