"""How numbers read on every page: separators, significant digits, percentages, durations."""

from __future__ import annotations

from tfjourney.reports.formatting import (
    config_json,
    format_metric,
    format_number,
    format_seconds,
    lower_is_better,
    no_link,
    plain_value,
    with_keys,
)


def test_format_number():
    assert format_number(1742.4) == "1,742"
    assert format_number(39.993) == "40"
    assert format_number(0.50645) == "0.506"
    assert format_number(11301) == "11,301"
    assert format_number(None) == "–"


def test_format_metric_and_direction():
    assert format_metric("accuracy", 0.9731) == "97.3%"
    assert format_metric("r2", 0.51234) == "0.512"
    assert format_metric("mae", 1742.4) == "1,742"
    assert lower_is_better("val_mae") and not lower_is_better("accuracy")


def test_format_seconds():
    assert format_seconds(8.123) == "8.1 s"
    assert format_seconds(125) == "2 min 05 s"


def test_plain_values_and_config_json():
    assert plain_value(True) == "yes"
    assert plain_value([10, 32, 64]) == "10, 32, 64"
    assert config_json({"layers": [1, 2], "lr": 0.001}) == '{\n  "layers": [1, 2],\n  "lr": 0.001\n}'


def test_urls_are_shown_never_linked():
    assert "://" not in str(no_link("https://example.com/x.zip"))


def test_setting_names_in_backticks_show_as_code_and_the_rest_is_escaped():
    html = str(with_keys("column 'id' <b>left out</b> (name it in `keep` to use it); see https://x.org/a `not a key`"))
    assert "<code>keep</code>" in html and "&lt;b&gt;" in html and "://" not in html and "`not a key`" in html
