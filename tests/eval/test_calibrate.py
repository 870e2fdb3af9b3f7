"""The calibration table's arithmetic, by hand; no spaCy."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "newsreader_eval_calibrate", Path(__file__).resolve().parent / "calibrate.py"
)
assert spec and spec.loader
cal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cal)


def test_rates_are_smoothed_towards_the_more_general_feature() -> None:
    judged = [(("a|x", "a"), True)] * 3 + [(("a|y", "a"), False)] * 1
    judged += [(("b",), False)] * 4
    table = cal.table(judged)
    values, counts = table["values"], table["counts"]
    assert counts == {"*": 8, "a": 4, "a|x": 3, "a|y": 1, "b": 4}
    assert values["*"] == round(4 / 10, 3)  # (3 right + 1) / (8 + 2)
    a = (3 + cal.PRIOR * 0.4) / (4 + cal.PRIOR)
    assert values["a"] == round(a, 3)
    assert values["a|x"] == round((3 + cal.PRIOR * a) / (3 + cal.PRIOR), 3)
    assert values["a|x"] > values["a"] > values["a|y"]
    assert values["b"] < values["*"]


def test_the_most_specific_known_feature_wins() -> None:
    values = {"*": 0.5, "a": 0.6, "a|x": 0.9}
    assert cal.confidence_of(values, ("a|x|1", "a|x", "a")) == 0.9
    assert cal.confidence_of(values, ("c",)) == 0.5
