"""The issue-10 figures of evaluate.py, checked by hand on small examples: named mentions,
per-mention type agreement, roles with the right organisation, persons split in two, pooling
per genre, and the reliability table with its expected calibration error.  No spaCy needed."""

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

EVAL_DIR = Path(__file__).resolve().parent


def _load_evaluator():  # type: ignore[no-untyped-def]
    name = "newsreader_eval_evaluate"  # shared with the other eval tests
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EVAL_DIR / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ev = _load_evaluator()

# --------------------------------------------------------------------------- calibration


def test_expected_calibration_error_by_hand() -> None:
    items = [
        # bin [0.9, 1.0] (1.0 falls in the last bin): mean confidence 0.95, 3 of 4 right
        (0.9, True),
        (0.9, True),
        (1.0, True),
        (1.0, False),
        # bin [0.2, 0.3): mean 0.25, 1 of 2 right
        (0.25, True),
        (0.25, False),
        # bin [0.0, 0.1): mean 0.05, none right
        (0.05, False),
        (0.05, False),
    ]
    bins = ev.reliability_bins(items)
    assert [(b.low, b.count) for b in bins] == [(0.0, 2), (0.2, 2), (0.9, 4)]
    assert [b.confidence for b in bins] == pytest.approx([0.05, 0.25, 0.95])
    assert [b.precision for b in bins] == pytest.approx([0.0, 0.5, 0.75])
    # 2/8 * |0 - 0.05| + 2/8 * |0.5 - 0.25| + 4/8 * |0.75 - 0.95|
    assert ev.expected_calibration_error(items) == pytest.approx(0.0125 + 0.0625 + 0.1)


def test_a_calibrated_system_has_no_calibration_error() -> None:
    items = [(0.75, True)] * 3 + [(0.75, False)] + [(0.5, True), (0.5, False)] * 10
    assert ev.expected_calibration_error(items) == pytest.approx(0.0, abs=1e-12)
    assert ev.expected_calibration_error([]) == 0.0
    # always sure, half wrong: the whole gap
    assert ev.expected_calibration_error([(1.0, True), (1.0, False)]) == pytest.approx(0.5)


def test_confidence_outside_the_unit_interval_is_an_error() -> None:
    with pytest.raises(ValueError):
        ev.reliability_bins([(1.2, True)])


# --------------------------------------------------------------------------- a fixture

TEXT = "Turkey warned the Taliban. Abdul Ghani Baradar spoke for the group. Baradar left Turkey."


def _span(sub: str, occ: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occ):
        start = TEXT.index(sub, start + 1)
    return start, start + len(sub)


def _m(sub: str, occ: int = 1, form: str = "name", type_: str | None = None, conf=None):  # type: ignore[no-untyped-def]
    a, b = _span(sub, occ)
    return ev.Mention(a, b, TEXT[a:b], form, type_, conf)


def _gold():  # type: ignore[no-untyped-def]
    return ev.Annotation(
        entities=[
            ev.Entity(
                "turkey",
                "Turkey",
                "location",
                "country",
                [_m("Turkey", type_="actor"), _m("Turkey", 2)],  # warned: an actor
            ),
            ev.Entity(
                "taliban",
                "Taliban",
                "actor",
                "armed group",
                [_m("Taliban"), _m("the group", form="nominal")],
            ),
            ev.Entity(
                "baradar",
                "Abdul Ghani Baradar",
                "actor",
                "person",
                [_m("Abdul Ghani Baradar"), _m("Baradar", 2)],
                [ev.Role("spokesman", "taliban", 27, 68)],
            ),
        ],
        quotes=[],
        genre="official",
    )


def _prediction(role_org: str | None = "actor:taliban", conf: bool = False):  # type: ignore[no-untyped-def]
    c = (lambda x: x) if conf else (lambda x: None)
    return ev.Annotation(
        entities=[
            ev.Entity(
                "location:turkey",
                "Turkey",
                "location",
                "country",
                [_m("Turkey", conf=c(0.9)), _m("Turkey", 2, conf=c(0.9))],  # no actor type
                confidence=c(0.9),
            ),
            ev.Entity(
                "actor:taliban",
                "Taliban",
                "actor",
                "armed group",
                [_m("Taliban", conf=c(0.8)), _m("the group", form="nominal", conf=c(0.3))],
            ),
            # the long name cut short, and its short form a person of its own
            ev.Entity(
                "actor:abdul ghani",
                "Abdul Ghani",
                "actor",
                "person",
                [_m("Abdul Ghani", conf=c(0.6))],
                [ev.Role("spokesman", role_org, 27, 68, c(0.7))],
            ),
            ev.Entity(
                "actor:baradar", "Baradar", "actor", "person", [_m("Baradar", 2, conf=c(0.7))]
            ),
        ],
        quotes=[],
    )


def test_named_mentions_type_agreement_roles_and_split_persons_by_hand() -> None:
    report = ev.evaluate(_gold(), _prediction())
    m = report.metrics
    # gold names: Turkey, Taliban, Abdul Ghani Baradar, Baradar, Turkey (5); predicted names:
    # the same five places, one too short ("Abdul Ghani"); "the group" is a nominal
    assert (m["named_gold"], m["named_pred"]) == (5, 5)
    assert (m["named_exact_p"], m["named_exact_r"]) == (pytest.approx(0.8), pytest.approx(0.8))
    assert m["named_overlap_f1"] == pytest.approx(1.0)
    # "Turkey warned" is an actor; the prediction types both mentions as the place
    assert m["type_agreement"] == pytest.approx(4 / 5)
    assert len(report.misses["wrong mention types"]) == 1
    # the role's organisation is the predicted entity matched with the gold Taliban
    assert m["role_org_r"] == 1.0
    assert (m["split_persons"], m["gold_persons"]) == (1, 1)
    assert "baradar" in report.misses["persons split in two"][0]
    assert report.genre == "official"


def test_a_role_with_the_wrong_or_no_organisation_does_not_count() -> None:
    for org in (None, "location:turkey"):
        m = ev.evaluate(_gold(), _prediction(role_org=org)).metrics
        assert m["role_r"] == 1.0  # the title is found …
        assert m["role_org_r"] == 0.0  # … but not its organisation


def test_every_prediction_with_a_confidence_is_judged() -> None:
    report = ev.evaluate(_gold(), _prediction(conf=True))
    assert sorted(report.calibration["mentions"]) == sorted(
        [(0.9, True), (0.9, True), (0.8, True), (0.3, True), (0.6, False), (0.7, True)]
    )
    assert report.calibration["entities"] == [(0.9, True)]
    assert report.calibration["roles"] == [(0.7, True)]
    assert ev.evaluate(_gold(), _prediction()).calibration["mentions"] == []


def test_the_reliability_table_says_when_it_is_unavailable() -> None:
    without = ev.format_calibration({"t": ev.evaluate(_gold(), _prediction())})
    assert "unavailable" in without
    with_conf = ev.format_calibration({"t": ev.evaluate(_gold(), _prediction(conf=True))})
    assert "unavailable" not in with_conf and "ECE" in with_conf
    assert "official" in with_conf  # ECE by genre


def test_pooled_figures_weigh_every_mention_alike() -> None:
    a = {"named_tp_exact": 9, "named_pred": 10, "named_gold": 10, "type_agree": 9, "type_total": 9}
    b = {"named_tp_exact": 0, "named_pred": 0, "named_gold": 10, "gold_roles": 2, "role_org_ok": 1}
    out = ev.pooled([a, b])
    assert out["named_exact_p"] == pytest.approx(0.9)
    assert out["named_exact_r"] == pytest.approx(0.45)
    assert out["type_agreement"] == 1.0
    assert out["role_org_r"] == 0.5
    assert out["quote_speaker_r"] == 1.0  # nothing to score
    genres = ev.by_genre({"x": a, "y": b}, {"x": "news", "y": "official"})
    assert genres["news"]["named_exact_f1"] == pytest.approx(0.9)
    assert genres["official"]["named_exact_f1"] == 0.0


def test_from_extraction_reads_confidence_and_mention_types() -> None:
    mention = SimpleNamespace(
        start=0, end=6, text="Turkey", form="name", type="actor", confidence=0.8
    )
    extraction = SimpleNamespace(
        entities=[
            SimpleNamespace(
                key="location:turkey",
                name="Turkey",
                type="location",
                kind="country",
                confidence=0.9,
                mentions=[mention],
                roles=[],
            )
        ],
        quotes=[
            SimpleNamespace(
                start=10,
                end=20,
                text="x",
                kind="direct",
                speaker_key=None,
                speaker_description="a resident",
                confidence=0.5,
            )
        ],
    )
    ann = ev.from_extraction(extraction)
    assert ann.entities[0].mentions[0] == ev.Mention(0, 6, "Turkey", "name", "actor", 0.8)
    assert ann.entities[0].confidence == 0.9
    assert ann.quotes[0].confidence == 0.5
