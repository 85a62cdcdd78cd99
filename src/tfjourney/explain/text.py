"""Which words made a text model decide: occlusion, one word left out at a time.

For a text of n words the model sees n + 1 texts in one batch: the text itself, and the text
without word i for each i. A word's contribution to a class is how much that class's
probability falls when the word is left out (negative: the word spoke against the class).
It needs nothing but the model's raw-string input, so it works for every body.

Example:
    >>> explanation = occlusion(model, "forest fire near la ronge", class_names=["0", "1"])
    >>> explanation["words"][1]
    {'word': 'fire', 'contribution': 0.41}
"""

from __future__ import annotations

import numpy as np

from tfjourney.errors import DataError
from tfjourney.metrics import class_probabilities

MAX_WORDS = 200  # words one explanation occludes (one batch of MAX_WORDS + 1 texts)


def occlusion(model, text: str, *, class_names: list[str], target_class: str | int | None = None) -> dict:
    """Each word's contribution to one class's probability, by leaving it out.

    Args:
        model: a text model taking raw strings (a text run's model.keras).
        text: the text to explain.
        class_names: the run's classes, in output order.
        target_class: the class to explain, by name or index (default: the predicted one).

    Returns:
        {"text", "class", "probability" (of that class for the whole text), "predicted",
        "probabilities" (class -> probability), "words": [{"word", "contribution"}...]}.
    """
    words = str(text).split()
    if not words:
        raise DataError("the text to explain is empty; type a sentence.")
    if len(words) > MAX_WORDS:
        raise DataError(f"the text has {len(words)} words; explain at most {MAX_WORDS} at a time (a model reads only its first few anyway).")
    variants = [" ".join(words)] + [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probabilities = class_probabilities(model.predict(np.asarray(variants, dtype=object), batch_size=len(variants), verbose=0))
    predicted = int(probabilities[0].argmax())
    index = _class_index(target_class, class_names, predicted)
    contributions = probabilities[0, index] - probabilities[1:, index]
    return {
        "text": str(text),
        "class": class_names[index],
        "probability": float(probabilities[0, index]),
        "predicted": class_names[predicted],
        "probabilities": {name: float(p) for name, p in zip(class_names, probabilities[0])},
        "words": [{"word": word, "contribution": float(c)} for word, c in zip(words, contributions)],
    }


def _class_index(target_class: str | int | None, class_names: list[str], predicted: int) -> int:
    if target_class is None:
        return predicted
    if isinstance(target_class, int) and 0 <= target_class < len(class_names):
        return target_class
    if str(target_class) in class_names:
        return class_names.index(str(target_class))
    raise DataError(f"unknown class {target_class!r}; choose one of: {', '.join(class_names)}.")
