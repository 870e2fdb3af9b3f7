"""Compute the calibrated confidence table ``app/nlp/data/confidence.json`` from the gold files.

Run from the repository root after a change to extraction (then commit the table)::

    .venv/bin/python tests/eval/calibrate.py            # writes the table, prints its ECE
    .venv/bin/python tests/eval/calibrate.py --check    # prints only, writes nothing

Every prediction (mention, entity, role, quote) carries features, most specific first
(``app.nlp.confidence``). Each is judged right or wrong exactly as ``evaluate.py``'s reliability
table judges it: the script gives each prediction a confidence that encodes its index, runs
``evaluate`` and reads the judgements back. Per kind and feature, the value is the share
right, smoothed towards the more general feature (a Beta prior of weight ``PRIOR``), so a
feature seen twice does not get 0 or 1. The expected calibration error is printed in-sample
and leave-one-text-out (each text scored with the table computed without it): the second is
the honest figure for unseen text.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

EVAL_DIR = Path(__file__).resolve().parent
ROOT = EVAL_DIR.parents[1]
PRIOR = 2.0  # weight of the more general feature's rate, in predictions
KINDS = ("mentions", "entities", "roles", "quotes")

# (features most specific first, right) per kind
Judged = list[tuple[tuple[str, ...], bool]]


def load_evaluator() -> Any:
    name = "newsreader_eval_evaluate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EVAL_DIR / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def encoded(extraction: Any) -> tuple[Any, dict[str, list[tuple[str, ...]]]]:
    """A copy whose confidences are the predictions' indexes, and their features by kind."""
    features: dict[str, list[tuple[str, ...]]] = {k: [] for k in KINDS}

    def code(kind: str, item: Any) -> Any:
        features[kind].append(item.features)
        return replace(item, confidence=len(features[kind]) - 1)

    entities = []
    for e in extraction.entities:
        mentions = [code("mentions", m) for m in e.mentions]
        roles = [code("roles", r) for r in e.roles]
        entities.append(replace(code("entities", e), mentions=mentions, roles=roles))
    quotes = [code("quotes", q) for q in extraction.quotes]
    copy = replace(extraction, entities=entities, quotes=quotes)
    # an index i becomes (i + 0.5) / n, inside [0, 1] as evaluate.py requires
    for kind in KINDS:
        n = max(1, len(features[kind]))
        _scale(copy, kind, n)
    return copy, features


def _scale(extraction: Any, kind: str, n: int) -> None:
    def scaled(item: Any) -> Any:
        return replace(item, confidence=(item.confidence + 0.5) / n)

    if kind == "quotes":
        extraction.quotes = [scaled(q) for q in extraction.quotes]
        return
    for i, e in enumerate(extraction.entities):
        if kind == "entities":
            extraction.entities[i] = e = scaled(e)
        elif kind == "mentions":
            e.mentions = [scaled(m) for m in e.mentions]
        else:
            e.roles = [scaled(r) for r in e.roles]


def judge_texts(paths: list[Path]) -> dict[str, dict[str, Judged]]:
    """Per text and kind: every scored prediction's features and whether it was right."""
    from app.nlp.extract import extract
    from app.nlp.normalise import normalise_text
    from app.nlp.pipeline import load_pipeline

    ev = load_evaluator()
    nlp = load_pipeline()
    out: dict[str, dict[str, Judged]] = {}
    for path in paths:
        article, gold = ev.load_gold(path)
        normalised = normalise_text(article.read_text(encoding="utf-8"))
        spans = ev.scope_spans(normalised)
        copy, features = encoded(extract(nlp, normalised))
        report = ev.evaluate(ev.restrict(gold, spans), ev.restrict(ev.from_extraction(copy), spans))
        judged: dict[str, Judged] = {}
        for kind in KINDS:
            n = max(1, len(features[kind]))
            judged[kind] = [
                (features[kind][int(conf * n)], bool(right))
                for conf, right in report.calibration.get(kind, [])
            ]
        out[path.name.removesuffix(".gold.json")] = judged
    return out


def table(judged: Judged) -> dict[str, Any]:
    """Smoothed rates per feature: the overall rate "*", then each feature towards its
    more general one."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    parent: dict[str, str] = {}
    for features, right in judged:
        chain = [*features, "*"]
        for feature, general in zip(chain, chain[1:], strict=False):
            parent.setdefault(feature, general)
        for feature in chain:
            counts[feature][0] += right
            counts[feature][1] += 1
    values: dict[str, float] = {}
    total_right, total = counts["*"] if judged else (0, 0)
    values["*"] = (total_right + 1) / (total + 2)

    def value(feature: str) -> float:
        if feature not in values:
            right, n = counts[feature]
            prior = value(parent[feature])
            values[feature] = (right + PRIOR * prior) / (n + PRIOR)
        return values[feature]

    for feature in counts:
        value(feature)
    return {
        "values": {k: round(v, 3) for k, v in sorted(values.items())},
        "counts": {k: counts[k][1] for k in sorted(counts)},
    }


def confidence_of(values: dict[str, float], features: tuple[str, ...]) -> float:
    return next((values[f] for f in features if f in values), values.get("*", 0.5))


def ece(values: dict[str, float], judged: Judged) -> float:
    ev = load_evaluator()
    items = [(confidence_of(values, f), right) for f, right in judged]
    return float(ev.expected_calibration_error(items))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the ECE, write nothing")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from app.nlp.confidence import TABLE_FILE

    paths = sorted(EVAL_DIR.glob("*.gold.json"))
    per_text = judge_texts(paths)
    result: dict[str, Any] = {
        "_about": "Calibrated confidence per feature: the share of predictions with that "
        "feature that were right on the gold files in tests/eval, smoothed towards the more "
        "general feature. Computed by tests/eval/calibrate.py; do not edit by hand.",
        "texts": sorted(per_text),
    }
    print(f"{'kind':10}{'n':>6}{'ECE in-sample':>16}{'ECE leave-one-out':>20}")
    for kind in KINDS:
        everything = [item for text in per_text.values() for item in text[kind]]
        result[kind] = table(everything)
        held_out: list[tuple[float, bool]] = []
        for name, text in per_text.items():
            others = [i for other, t in per_text.items() if other != name for i in t[kind]]
            values = table(others)["values"]
            held_out += [(confidence_of(values, f), right) for f, right in text[kind]]
        cross = float(load_evaluator().expected_calibration_error(held_out))
        print(f"{kind:10}{len(everything):6d}{ece(result[kind]['values'], everything):16.3f}"
              f"{cross:20.3f}")
    if not args.check:
        TABLE_FILE.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")
        print(f"wrote {TABLE_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
