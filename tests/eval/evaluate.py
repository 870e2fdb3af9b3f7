"""Score the extractor against the gold annotations in tests/eval/*.gold.json.

Run from the repository root (``make eval``)::

    .venv/bin/python tests/eval/evaluate.py                 # every gold file
    .venv/bin/python tests/eval/evaluate.py tests/eval/ramadi.gold.json --json

The metric code works on the plain structures below (``Annotation``), so it can be tested
without spaCy; ``from_extraction`` converts the extractor's ``Extraction`` into them.  Only
the "body" and "caption" paragraphs of an article are scored.  The script is a report, not a
gate: it exits 0 whatever the scores (2 only when the extractor cannot be loaded at all).
With ``--baseline`` it also scores plain spaCy (the model without our entity ruler, its
PERSON/NORP/ORG/GPE/LOC/FAC entities grouped by exact text) and prints both side by side.
See tests/eval/README.md for the gold format and the annotation guidelines.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EVAL_DIR = Path(__file__).resolve().parent
SCOPE_KINDS = ("body", "caption")
QUOTE_OVERLAP = 0.5  # a predicted quote must cover at least half of the gold span


# --------------------------------------------------------------------------- structures


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    form: str = "name"  # name | nominal
    type: str | None = None  # its own type when it differs from its entity's (a place acting)
    confidence: float | None = None  # predictions only, when the extractor gives one


@dataclass(frozen=True)
class Role:
    title: str
    organisation: str | None
    start: int
    end: int
    confidence: float | None = None


@dataclass
class Entity:
    id: str
    name: str
    type: str
    kind: str
    mentions: list[Mention] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    confidence: float | None = None


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    text: str
    kind: str  # direct | partial | term
    speaker: str | None
    speaker_description: str | None = None
    confidence: float | None = None


@dataclass
class Annotation:
    entities: list[Entity]
    quotes: list[Quote]
    genre: str = "news"  # news | official (gold files say which)


# A prediction's confidence and whether it was right, for the reliability table.
Judged = tuple[float, bool]


@dataclass
class Report:
    metrics: dict[str, float]
    misses: dict[str, list[str]]
    # "mentions", "entities", "roles", "quotes" -> the predictions that carry a confidence
    calibration: dict[str, list[Judged]] = field(default_factory=dict)
    genre: str = "news"


def annotation_from_json(data: dict[str, Any]) -> Annotation:
    entities = [
        Entity(
            id=e["id"],
            name=e["name"],
            type=e["type"],
            kind=e.get("kind", ""),
            mentions=[
                Mention(m["start"], m["end"], m["text"], m.get("form", "name"), m.get("type"))
                for m in e.get("mentions", [])
            ],
            roles=[
                Role(r["title"], r.get("organisation"), r["start"], r["end"])
                for r in e.get("roles", [])
            ],
        )
        for e in data.get("entities", [])
    ]
    quotes = [
        Quote(
            q["start"],
            q["end"],
            q["text"],
            q["kind"],
            q.get("speaker"),
            q.get("speaker_description"),
        )
        for q in data.get("quotes", [])
    ]
    return Annotation(entities, quotes, data.get("genre", "news"))


def load_gold(path: Path) -> tuple[Path, Annotation]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ROOT / data["article"], annotation_from_json(data)


def from_extraction(extraction: Any) -> Annotation:
    """app.nlp.types.Extraction -> Annotation (entity id = the extractor's key)."""
    entities = [
        Entity(
            id=e.key,
            name=e.name,
            type=e.type,
            kind=e.kind or "",
            mentions=[
                Mention(
                    m.start,
                    m.end,
                    m.text,
                    getattr(m, "form", "name"),
                    getattr(m, "type", None),
                    _confidence(m),
                )
                for m in e.mentions
            ],
            roles=[
                Role(r.title, r.organisation_key, r.start, r.end, _confidence(r)) for r in e.roles
            ],
            confidence=_confidence(e),
        )
        for e in extraction.entities
    ]
    quotes = [
        Quote(q.start, q.end, q.text, q.kind, q.speaker_key, q.speaker_description, _confidence(q))
        for q in extraction.quotes
    ]
    return Annotation(entities, quotes)


def _confidence(item: Any) -> float | None:
    """The extractor's confidence in [0, 1], or None while the output carries none."""
    value = getattr(item, "confidence", None)
    return None if value is None else float(value)


# spaCy en_core_web_sm labels -> (type, kind) for the plain-spaCy baseline; the same mapping
# as app.nlp.labels.SPACY_LABELS, repeated here so that the metric code stays import-free.
BASELINE_LABELS: dict[str, tuple[str, str]] = {
    "PERSON": ("actor", "person"),
    "NORP": ("actor", "people"),
    "ORG": ("actor", "organisation"),
    "GPE": ("location", "city"),
    "LOC": ("location", "region"),
    "FAC": ("location", "facility"),
}


def from_spacy_entities(ents: Iterable[tuple[int, int, str, str]]) -> Annotation:
    """The naive baseline: spaCy entities as ``(start_char, end_char, label, text)`` tuples ->
    Annotation.

    Every entity with a label in ``BASELINE_LABELS`` is a name mention; mentions with the same
    exact text form one entity, whose type and kind come from its most frequent label (the
    earliest on a tie).  No quotes, no roles.
    """
    groups: dict[str, list[tuple[int, int, str]]] = {}
    for start, end, label, text in sorted(ents, key=lambda e: (e[0], e[1])):
        if label in BASELINE_LABELS:
            groups.setdefault(text, []).append((start, end, label))
    entities = []
    for text, spans in groups.items():
        counts = Counter(label for _, _, label in spans)
        label = max(counts, key=lambda lab: counts[lab])  # first-seen label wins a tie
        type_, kind = BASELINE_LABELS[label]
        entities.append(
            Entity(
                id=f"spacy:{text}",
                name=text,
                type=type_,
                kind=kind,
                mentions=[Mention(start, end, text, "name") for start, end, _ in spans],
            )
        )
    return Annotation(entities, [])


def restrict(annotation: Annotation, spans: Sequence[tuple[int, int]]) -> Annotation:
    """Keep the mentions and quotes that lie inside the scored paragraphs."""

    def inside(start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in spans)

    entities = []
    for e in annotation.entities:
        mentions = [m for m in e.mentions if inside(m.start, m.end)]
        if mentions:
            entities.append(
                Entity(e.id, e.name, e.type, e.kind, mentions, list(e.roles), e.confidence)
            )
    quotes = [q for q in annotation.quotes if inside(q.start, q.end)]
    return Annotation(entities, quotes, annotation.genre)


def scope_spans(normalised: Any) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in normalised.paragraphs if p.kind in SCOPE_KINDS]


# --------------------------------------------------------------------------- helpers


def prf(tp: float, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall, F1.  Nothing predicted against a non-empty gold is precision 0."""
    p = tp / n_pred if n_pred else float(n_gold == 0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def ratio(num: int, den: int) -> float:
    """An accuracy or recall over `den` items; vacuously 1.0 when there is nothing to score."""
    return num / den if den else 1.0


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def align_spans(gold: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]]) -> dict[int, int]:
    """One-to-one alignment pred index -> gold index: exact matches first, then overlapping
    pairs greedily by Jaccard overlap (ties: more shared characters, then text order)."""
    pairs: dict[int, int] = {}
    used_gold: set[int] = set()
    by_span: dict[tuple[int, int], list[int]] = {}
    for gi, span in enumerate(gold):
        by_span.setdefault(span, []).append(gi)
    for pi, span in enumerate(pred):
        for gi in by_span.get(span, ()):
            if gi not in used_gold:
                pairs[pi] = gi
                used_gold.add(gi)
                break
    candidates = []
    for pi, ps in enumerate(pred):
        if pi in pairs:
            continue
        for gi, gs in enumerate(gold):
            if gi in used_gold:
                continue
            shared = overlap(ps, gs)
            if shared:
                union = max(ps[1], gs[1]) - min(ps[0], gs[0])
                candidates.append((-shared / union, -shared, gi, pi))
    for _, _, gi, pi in sorted(candidates):
        if pi not in pairs and gi not in used_gold:
            pairs[pi] = gi
            used_gold.add(gi)
    return pairs


def head_word(title: str) -> str:
    """The head of a title: "member of parliament" -> "member", "prime minister" -> "minister"."""
    core = re.split(r"\s+(?:of|for|in|to|at|with|from)\s+", title.lower().strip())[0]
    words = core.split()
    return words[-1] if words else ""


def _flat_mentions(annotation: Annotation) -> list[tuple[int, Mention]]:
    return [(ei, m) for ei, e in enumerate(annotation.entities) for m in e.mentions]


def _fmt(m: Mention) -> str:
    return f"{m.text!r} [{m.start}:{m.end}]"


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


# --------------------------------------------------------------------------- the metrics


def evaluate(gold: Annotation, pred: Annotation) -> Report:
    misses: dict[str, list[str]] = {
        k: []
        for k in (
            "missing entities",
            "spurious entities",
            "wrong types",
            "missed mentions",
            "spurious mentions",
            "boundary mismatches",
            "mislinked mentions",
            "missed quotes",
            "spurious quotes",
            "wrong speakers",
            "terms reported as speech",
            "missed roles",
            "roles with a wrong organisation",
            "wrong mention types",
            "persons split in two",
        )
    }
    metrics: dict[str, float] = {}
    g_ents, p_ents = gold.entities, pred.entities

    # 1. mention detection ----------------------------------------------------------------
    g_ments, p_ments = _flat_mentions(gold), _flat_mentions(pred)
    g_spans = [(m.start, m.end) for _, m in g_ments]
    p_spans = [(m.start, m.end) for _, m in p_ments]
    align = align_spans(g_spans, p_spans)  # pred mention index -> gold mention index
    gold_aligned = {gi: pi for pi, gi in align.items()}
    exact_tp = sum(1 for pi, gi in align.items() if p_spans[pi] == g_spans[gi])
    for key, tp in (("mention_exact", exact_tp), ("mention_overlap", len(align))):
        p, r, f = prf(tp, len(p_spans), len(g_spans))
        metrics |= {f"{key}_p": p, f"{key}_r": r, f"{key}_f1": f}
    for gi, (ei, m) in enumerate(g_ments):
        if gi not in gold_aligned:
            misses["missed mentions"].append(f"{_fmt(m)} ({g_ents[ei].id})")
    for pi, (ei, m) in enumerate(p_ments):
        if pi not in align:
            misses["spurious mentions"].append(f"{_fmt(m)} ({p_ents[ei].id})")
        elif p_spans[pi] != g_spans[align[pi]]:
            gm = g_ments[align[pi]][1]
            misses["boundary mismatches"].append(f"predicted {_fmt(m)}, gold {_fmt(gm)}")

    # 2. entity detection -----------------------------------------------------------------
    shared: Counter[tuple[int, int]] = Counter()
    for pi, gi in align.items():
        shared[(g_ments[gi][0], p_ments[pi][0])] += 1
    match: dict[int, int] = {}  # gold entity index -> pred entity index
    used_pred: set[int] = set()
    for (ge, pe), _n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
        if ge not in match and pe not in used_pred:
            match[ge] = pe
            used_pred.add(pe)
    p, r, f = prf(len(match), len(p_ents), len(g_ents))
    metrics |= {"entity_p": p, "entity_r": r, "entity_f1": f}
    for ge, e in enumerate(g_ents):
        if ge not in match:
            first = _fmt(e.mentions[0]) if e.mentions else "-"
            misses["missing entities"].append(
                f"{e.id} '{e.name}' [{e.type}/{e.kind}] {len(e.mentions)} mentions, first {first}"
            )
    for pe, e in enumerate(p_ents):
        if pe not in used_pred:
            first = _fmt(e.mentions[0]) if e.mentions else "-"
            misses["spurious entities"].append(
                f"{e.id} '{e.name}' [{e.type}/{e.kind}] {len(e.mentions)} mentions, first {first}"
            )

    # 3. type and kind accuracy over matched entities -------------------------------------
    type_ok = kind_ok = 0
    for ge, pe in match.items():
        ge_, pe_ = g_ents[ge], p_ents[pe]
        t_ok = ge_.type == pe_.type
        k_ok = ge_.kind.lower() == (pe_.kind or "").lower()
        type_ok += t_ok
        kind_ok += k_ok
        if not (t_ok and k_ok):
            misses["wrong types"].append(
                f"{ge_.id}: gold {ge_.type}/{ge_.kind}, predicted {pe_.id} {pe_.type}/{pe_.kind}"
            )
    metrics["type_accuracy"] = ratio(type_ok, len(match)) if g_ents else 1.0
    metrics["kind_accuracy"] = ratio(kind_ok, len(match)) if g_ents else 1.0
    if g_ents and not match:
        metrics["type_accuracy"] = metrics["kind_accuracy"] = 0.0

    # 4. mention linking: B-cubed and pairwise --------------------------------------------
    # Items: aligned mention pairs, plus unaligned gold or predicted mentions, which are
    # singletons on the other side.
    gold_label: list[tuple[str, int]] = []
    pred_label: list[tuple[str, int]] = []
    on_gold: list[bool] = []
    on_pred: list[bool] = []
    for pi, gi in align.items():
        gold_label.append(("g", g_ments[gi][0]))
        pred_label.append(("p", p_ments[pi][0]))
        on_gold.append(True)
        on_pred.append(True)
    for gi, (ei, _) in enumerate(g_ments):
        if gi not in gold_aligned:
            gold_label.append(("g", ei))
            pred_label.append(("p-singleton", gi))
            on_gold.append(True)
            on_pred.append(False)
    for pi, (ei, _) in enumerate(p_ments):
        if pi not in align:
            gold_label.append(("g-singleton", pi))
            pred_label.append(("p", ei))
            on_gold.append(False)
            on_pred.append(True)
    joint = Counter(zip(gold_label, pred_label, strict=True))
    g_size = Counter(lab for lab, ok in zip(gold_label, on_gold, strict=True) if ok)
    p_size = Counter(lab for lab, ok in zip(pred_label, on_pred, strict=True) if ok)
    items = list(zip(gold_label, pred_label, on_gold, on_pred, strict=True))
    b3_p_sum = sum(joint[(g, p)] / p_size[p] for g, p, _, op in items if op)
    b3_r_sum = sum(joint[(g, p)] / g_size[g] for g, p, og, _ in items if og)
    n_pred_items, n_gold_items = sum(on_pred), sum(on_gold)
    b3_p = b3_p_sum / n_pred_items if n_pred_items else float(n_gold_items == 0)
    b3_r = b3_r_sum / n_gold_items if n_gold_items else 1.0
    b3_f = 2 * b3_p * b3_r / (b3_p + b3_r) if b3_p + b3_r else 0.0
    metrics |= {"bcubed_p": b3_p, "bcubed_r": b3_r, "bcubed_f1": b3_f}
    gold_links = sum(_pairs(n) for n in g_size.values())
    pred_links = sum(_pairs(n) for n in p_size.values())
    common_links = sum(_pairs(n) for (g, p), n in joint.items() if g[0] == "g" and p[0] == "p")
    p, r, f = prf(common_links, pred_links, gold_links)
    metrics |= {"pairwise_p": p, "pairwise_r": r, "pairwise_f1": f}
    for pi, gi in sorted(align.items(), key=lambda kv: kv[1]):
        ge, pe = g_ments[gi][0], p_ments[pi][0]
        if match.get(ge) != pe:
            expected = p_ents[match[ge]].id if ge in match else "(no matched entity)"
            misses["mislinked mentions"].append(
                f"{_fmt(g_ments[gi][1])}: gold {g_ents[ge].id}, linked to {p_ents[pe].id}, "
                f"expected {expected}"
            )

    # 5. role-nominal linking recall ------------------------------------------------------
    nominal = [gi for gi, (_, m) in enumerate(g_ments) if m.form == "nominal"]
    linked = sum(
        1
        for gi in nominal
        if gi in gold_aligned and match.get(g_ments[gi][0]) == p_ments[gold_aligned[gi]][0]
    )
    metrics["nominal_link_r"] = ratio(linked, len(nominal))

    # 6. quotes ---------------------------------------------------------------------------
    g_direct = [q for q in gold.quotes if q.kind == "direct"]
    p_direct = [q for q in pred.quotes if q.kind == "direct"]
    quote_match = _match_quotes(g_direct, p_direct)
    p, r, f = prf(len(quote_match), len(p_direct), len(g_direct))
    metrics |= {"quote_p": p, "quote_r": r, "quote_f1": f}
    gold_ids = {e.id: i for i, e in enumerate(g_ents)}
    speaker_ok = 0
    right_speaker: dict[int, bool] = {}  # predicted direct quote -> matched with right speaker
    for gq_i, pq_i in quote_match.items():
        gq, pq = g_direct[gq_i], p_direct[pq_i]
        if gq.speaker is None:
            ok = pq.speaker is None
            expected = f"anonymous ({gq.speaker_description})"
        else:
            ge = gold_ids.get(gq.speaker)
            target = p_ents[match[ge]].id if ge is not None and ge in match else None
            ok = target is not None and pq.speaker == target
            expected = f"{gq.speaker} (predicted entity {target})"
        speaker_ok += ok
        right_speaker[pq_i] = ok
        if not ok:
            misses["wrong speakers"].append(
                f"{gq.text[:60]!r} [{gq.start}:{gq.end}]: expected {expected}, "
                f"got {pq.speaker or 'anonymous'}"
            )
    metrics["speaker_accuracy"] = ratio(speaker_ok, len(quote_match))
    if g_direct and not quote_match:
        metrics["speaker_accuracy"] = 0.0
    for i, gq in enumerate(g_direct):
        if i not in quote_match:
            misses["missed quotes"].append(f"{gq.text[:70]!r} [{gq.start}:{gq.end}]")
    matched_pred = set(quote_match.values())
    for i, pq in enumerate(p_direct):
        if i not in matched_pred:
            misses["spurious quotes"].append(f"{pq.text[:70]!r} [{pq.start}:{pq.end}]")
    g_partial = [q for q in gold.quotes if q.kind == "partial"]
    metrics["partial_quote_r"] = ratio(
        len(_match_quotes(g_partial, [q for q in pred.quotes if q.kind != "term"])),
        len(g_partial),
    )
    terms_as_speech = 0
    for gq in (q for q in gold.quotes if q.kind == "term"):
        for pq in pred.quotes:
            if (
                pq.kind in ("direct", "partial")
                and pq.speaker is not None
                and overlap((gq.start, gq.end), (pq.start, pq.end))
                >= QUOTE_OVERLAP * (gq.end - gq.start)
            ):
                terms_as_speech += 1
                misses["terms reported as speech"].append(
                    f"{gq.text!r} [{gq.start}:{gq.end}] given speaker {pq.speaker}"
                )
                break
    metrics["terms_as_speech"] = terms_as_speech

    # 7. roles ----------------------------------------------------------------------------
    n_roles = found_roles = 0
    for ge, e in enumerate(g_ents):
        for role in e.roles:
            n_roles += 1
            head = head_word(role.title)
            pred_titles = [r.title.lower() for r in p_ents[match[ge]].roles] if ge in match else []
            if head and any(head in t for t in pred_titles):
                found_roles += 1
            else:
                misses["missed roles"].append(
                    f"{e.id}: {role.title!r} (predicted: {', '.join(pred_titles) or 'none'})"
                )
    metrics["role_r"] = ratio(found_roles, n_roles)

    # 8. the figures issue 10 sets targets for ----------------------------------------------
    metrics["quote_speaker_r"] = ratio(speaker_ok, len(g_direct))
    metrics["speaker_ok"] = speaker_ok
    metrics |= _named_mentions(g_ments, p_ments, align, g_ents, p_ents, misses)
    role_org_ok, role_judged = _roles_with_organisation(g_ents, p_ents, match, misses)
    metrics["role_org_r"] = ratio(role_org_ok, n_roles)
    metrics["role_org_ok"] = role_org_ok
    metrics |= _split_persons(g_ents, p_ments, p_ents, misses)

    # 9. confidence against correctness, for the reliability table ------------------------
    calibration: dict[str, list[Judged]] = {
        "mentions": [],
        "entities": [],
        "roles": [],
        "quotes": [],
    }
    for pi, (_, m) in enumerate(p_ments):
        if m.confidence is not None:
            exact = pi in align and p_spans[pi] == g_spans[align[pi]]
            calibration["mentions"].append((m.confidence, exact))
    for pe, e in enumerate(p_ents):
        if e.confidence is not None:
            calibration["entities"].append((e.confidence, pe in used_pred))
    calibration["roles"] = role_judged
    calibration["quotes"] = _judge_quotes(gold, pred, match)

    metrics |= {
        "gold_entities": len(g_ents),
        "pred_entities": len(p_ents),
        "gold_mentions": len(g_spans),
        "pred_mentions": len(p_spans),
        "gold_direct_quotes": len(g_direct),
        "pred_direct_quotes": len(p_direct),
        "gold_roles": n_roles,
        "gold_nominals": len(nominal),
    }
    return Report(metrics, misses, calibration, gold.genre)


def _mention_type(entity: Entity, mention: Mention) -> str:
    return mention.type or entity.type


def _named_mentions(
    g_ments: list[tuple[int, Mention]],
    p_ments: list[tuple[int, Mention]],
    align: dict[int, int],
    g_ents: list[Entity],
    p_ents: list[Entity],
    misses: dict[str, list[str]],
) -> dict[str, float]:
    """Named-mention P/R/F1 and per-mention type agreement.

    Gold: the mentions of form ``name``.  Predicted: every mention except those aligned with a
    gold nominal and unaligned ones the extractor itself calls nominal (a nominal error is not
    a name error).  *exact* needs the same span, *overlap* any aligned span.  Type agreement:
    the share of found gold names whose predicted mention has the gold mention's type (a
    mention's own ``type``, else its entity's), so "Turkey warned" must be an actor.
    """
    gold_aligned = {gi: pi for pi, gi in align.items()}
    named = [gi for gi, (_, m) in enumerate(g_ments) if m.form == "name"]
    found = [gi for gi in named if gi in gold_aligned]
    exact = [
        gi
        for gi in found
        if (p_ments[gold_aligned[gi]][1].start, p_ments[gold_aligned[gi]][1].end)
        == (g_ments[gi][1].start, g_ments[gi][1].end)
    ]
    n_pred = sum(
        1
        for pi, (_, m) in enumerate(p_ments)
        if (g_ments[align[pi]][1].form == "name" if pi in align else m.form == "name")
    )
    out: dict[str, float] = {}
    for key, tp in (("named_exact", len(exact)), ("named_overlap", len(found))):
        p, r, f = prf(tp, n_pred, len(named))
        out |= {f"{key}_p": p, f"{key}_r": r, f"{key}_f1": f}
    agree = 0
    for gi in found:
        (ge, gm), (pe, pm) = g_ments[gi], p_ments[gold_aligned[gi]]
        want, got = _mention_type(g_ents[ge], gm), _mention_type(p_ents[pe], pm)
        agree += want == got
        if want != got:
            misses["wrong mention types"].append(f"{_fmt(gm)}: gold {want}, predicted {got}")
    out["type_agreement"] = ratio(agree, len(found)) if found or not named else 0.0
    out |= {
        "named_tp_exact": len(exact),
        "named_tp_overlap": len(found),
        "named_pred": n_pred,
        "named_gold": len(named),
        "type_agree": agree,
        "type_total": len(found),
    }
    return out


def _role_is_right(gold_role: Role, pred_role: Role, want_org: str | None) -> bool:
    head = head_word(gold_role.title)
    return bool(head) and head in pred_role.title.lower() and pred_role.organisation == want_org


def _roles_with_organisation(
    g_ents: list[Entity], p_ents: list[Entity], match: dict[int, int], misses: dict[str, list[str]]
) -> tuple[int, list[Judged]]:
    """Gold roles found with the right organisation: the predicted entity matched with the gold
    one has a role with the title's head word whose organisation is the predicted entity
    matched with the gold organisation (or none, when the gold has none).  Also every predicted
    role that carries a confidence, judged the same way."""
    gold_index = {e.id: i for i, e in enumerate(g_ents)}
    unmatched = "\x00unmatched"  # a gold organisation with no predicted entity: never right

    def wanted(role: Role) -> str | None:
        if role.organisation is None:
            return None
        gi = gold_index.get(role.organisation)
        return p_ents[match[gi]].id if gi is not None and gi in match else unmatched

    ok_count = 0
    for ge, e in enumerate(g_ents):
        for role in e.roles:
            pred_roles = p_ents[match[ge]].roles if ge in match else []
            if any(_role_is_right(role, r, wanted(role)) for r in pred_roles):
                ok_count += 1
            elif any(head_word(role.title) in r.title.lower() for r in pred_roles):
                got = [
                    r.organisation for r in pred_roles if head_word(role.title) in r.title.lower()
                ]
                misses["roles with a wrong organisation"].append(
                    f"{e.id}: {role.title!r} of {role.organisation} "
                    f"(expected {wanted(role)}, predicted {', '.join(map(str, got))})"
                )
    judged: list[Judged] = []
    gold_of = {pe: ge for ge, pe in match.items()}
    for pe, e in enumerate(p_ents):
        gold_roles = g_ents[gold_of[pe]].roles if pe in gold_of else []
        for r in e.roles:
            if r.confidence is not None:
                right = any(_role_is_right(g, r, wanted(g)) for g in gold_roles)
                judged.append((r.confidence, right))
    return ok_count, judged


def _split_persons(
    g_ents: list[Entity],
    p_ments: list[tuple[int, Mention]],
    p_ents: list[Entity],
    misses: dict[str, list[str]],
) -> dict[str, float]:
    """Gold persons whose name mentions are covered by two or more predicted persons: a long
    name cut in two ("Mohammed Abdul" + "Ghani Baradar"), or a short form ("Baradar") that
    became a person of its own."""
    split = 0
    persons = [e for e in g_ents if e.kind == "person"]
    for e in persons:
        names = [(m.start, m.end) for m in e.mentions if m.form == "name"]
        owners = {
            pe
            for pe, pm in p_ments
            if p_ents[pe].kind == "person" and any(overlap((pm.start, pm.end), n) for n in names)
        }
        if len(owners) > 1:
            split += 1
            predicted = ", ".join(sorted(p_ents[pe].id for pe in owners))
            misses["persons split in two"].append(f"{e.id} '{e.name}': predicted as {predicted}")
    return {"split_persons": split, "gold_persons": len(persons)}


def _judge_quotes(gold: Annotation, pred: Annotation, match: dict[int, int]) -> list[Judged]:
    """Each predicted direct or partial quote with a confidence: right when it matches a gold
    direct or partial quote and names the right speaker (or both are anonymous)."""
    g_quotes = [q for q in gold.quotes if q.kind in ("direct", "partial")]
    p_quotes = [q for q in pred.quotes if q.kind in ("direct", "partial")]
    pairs = {pi: gi for gi, pi in _match_quotes(g_quotes, p_quotes).items()}
    gold_index = {e.id: i for i, e in enumerate(gold.entities)}
    judged: list[Judged] = []
    for pi, pq in enumerate(p_quotes):
        if pq.confidence is None:
            continue
        right = False
        if pi in pairs:
            gq = g_quotes[pairs[pi]]
            if gq.speaker is None:
                right = pq.speaker is None
            else:
                ge = gold_index.get(gq.speaker)
                right = ge in match and pq.speaker == pred.entities[match[ge]].id
        judged.append((pq.confidence, right))
    return judged


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence of the predictions in the bin
    precision: float  # share of them that are right


def reliability_bins(items: Sequence[Judged], n_bins: int = 10) -> list[CalibrationBin]:
    """Equal-width confidence bins [0, .1), [.1, .2) … [.9, 1]; empty bins are left out."""
    bins: list[list[Judged]] = [[] for _ in range(n_bins)]
    for confidence, right in items:
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence {confidence} is outside [0, 1]")
        bins[min(int(confidence * n_bins), n_bins - 1)].append((confidence, right))
    return [
        CalibrationBin(
            i / n_bins,
            (i + 1) / n_bins,
            len(b),
            statistics.fmean(c for c, _ in b),
            statistics.fmean(float(ok) for _, ok in b),
        )
        for i, b in enumerate(bins)
        if b
    ]


def expected_calibration_error(items: Sequence[Judged], n_bins: int = 10) -> float:
    """ECE = sum over bins of (bin size / all) * |precision - mean confidence|."""
    if not items:
        return 0.0
    return sum(
        b.count / len(items) * abs(b.precision - b.confidence)
        for b in reliability_bins(items, n_bins)
    )


def _match_quotes(gold: Sequence[Quote], pred: Sequence[Quote]) -> dict[int, int]:
    """gold index -> pred index; a pair needs an overlap of half the gold span or more."""
    candidates = []
    for gi, gq in enumerate(gold):
        for pi, pq in enumerate(pred):
            shared = overlap((gq.start, gq.end), (pq.start, pq.end))
            if shared and shared >= QUOTE_OVERLAP * (gq.end - gq.start):
                candidates.append((-shared, gi, pi))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in sorted(candidates):
        if gi not in out and pi not in used:
            out[gi] = pi
            used.add(pi)
    return out


# --------------------------------------------------------------------------- reporting

PRF_ROWS = (
    ("named mentions (exact span)", "named_exact"),
    ("named mentions (overlap)", "named_overlap"),
    ("mentions (exact span)", "mention_exact"),
    ("mentions (overlap)", "mention_overlap"),
    ("entities", "entity"),
    ("links (B-cubed)", "bcubed"),
    ("links (pairwise)", "pairwise"),
    ("direct quotes", "quote"),
)
SINGLE_ROWS = (
    ("type agreement (per mention)", "type_agreement"),
    ("type accuracy", "type_accuracy"),
    ("kind accuracy", "kind_accuracy"),
    ("nominal-link recall", "nominal_link_r"),
    ("speaker accuracy", "speaker_accuracy"),
    ("partial-quote recall", "partial_quote_r"),
    ("role recall", "role_r"),
    ("roles, right organisation", "role_org_r"),
    ("direct quotes, right speaker", "quote_speaker_r"),
)
SUMMARY_KEYS = (
    "named_exact_f1",
    "type_agreement",
    "role_org_r",
    "quote_speaker_r",
    "split_persons",
    "mention_exact_f1",
    "mention_overlap_f1",
    "entity_f1",
    "type_accuracy",
    "kind_accuracy",
    "bcubed_f1",
    "pairwise_f1",
    "nominal_link_r",
    "quote_f1",
    "speaker_accuracy",
    "role_r",
    "terms_as_speech",
    "extract_ms",
)


def format_report(name: str, article: str, report: Report, show_misses: bool = True) -> str:
    m = report.metrics
    lines = [
        f"== {name}  ({article})",
        f"   gold: {m['gold_entities']:.0f} entities, {m['gold_mentions']:.0f} mentions "
        f"({m['gold_nominals']:.0f} nominal), {m['gold_direct_quotes']:.0f} direct quotes, "
        f"{m['gold_roles']:.0f} roles; predicted: {m['pred_entities']:.0f} entities, "
        f"{m['pred_mentions']:.0f} mentions, {m['pred_direct_quotes']:.0f} direct quotes",
    ]
    if "extract_ms" in m:
        lines.append(
            f"   extract: {m['extract_ms']:.1f} ms (median of {m.get('runs', 3):.0f} runs)"
        )
    lines.append(f"   {'':28}{'P':>7}{'R':>7}{'F1':>7}")
    for label, key in PRF_ROWS:
        lines.append(f"   {label:28}{m[key + '_p']:7.3f}{m[key + '_r']:7.3f}{m[key + '_f1']:7.3f}")
    for label, key in SINGLE_ROWS:
        lines.append(f"   {label:28}{m[key]:21.3f}")
    lines.append(f"   {'term quotes given a speaker':28}{m['terms_as_speech']:21.0f}  (must be 0)")
    lines.append(
        f"   {'persons split in two':28}{m['split_persons']:21.0f}  "
        f"(of {m['gold_persons']:.0f}; must be 0)"
    )
    if show_misses:
        for kind, items in report.misses.items():
            if items:
                lines.append(f"   -- {kind} ({len(items)})")
                lines.extend(f"      {item}" for item in items)
    return "\n".join(lines)


def format_summary(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    width = max(8, *(len(n) for n in names))
    lines = ["== summary (F1, accuracy or recall; macro = mean over files)"]
    lines.append(f"   {'':22}" + "".join(f"{n:>{width + 2}}" for n in [*names, "macro"]))
    macro = macro_average(results)
    for key in SUMMARY_KEYS:
        if not all(key in r for r in results.values()):
            continue
        row = [results[n][key] for n in names] + [macro[key]]
        lines.append(f"   {key:22}" + "".join(f"{v:>{width + 2}.3f}" for v in row))
    return "\n".join(lines)


def macro_average(results: dict[str, dict[str, float]]) -> dict[str, float]:
    keys: set[str] = set().union(*(r.keys() for r in results.values())) if results else set()
    return {
        k: statistics.fmean(r[k] for r in results.values())
        for k in sorted(keys)
        if all(k in r for r in results.values())
    }


COMPARISON_KEYS = (
    ("named exact", "named_exact_f1"),
    ("type agreement", "type_agreement"),
    ("mention exact", "mention_exact_f1"),
    ("mention overlap", "mention_overlap_f1"),
    ("entity F1", "entity_f1"),
    ("type accuracy", "type_accuracy"),
    ("B-cubed F1", "bcubed_f1"),
)


def format_comparison(
    system: dict[str, dict[str, float]], baseline: dict[str, dict[str, float]]
) -> str:
    """Our extractor ("ours") and plain spaCy ("spaCy") side by side, per file and macro, with
    the ratio ours/spaCy of the macro means."""
    names = [n for n in system if n in baseline]
    sys_macro = macro_average({n: system[n] for n in names})
    base_macro = macro_average({n: baseline[n] for n in names})
    width = max(22, *(len(n) + 2 for n in names)) if names else 22
    col = 16
    lines = [
        "== ours vs plain spaCy (F1 or accuracy; macro = mean over files; ratio = ours / spaCy)",
        "   ours = the extractor; spaCy = the model without our entity ruler, its",
        "   PERSON/NORP/ORG/GPE/LOC/FAC entities grouped by exact text, no quotes, no roles",
        "   " + " " * width + "".join(f"{label:>{col}}" for label, _ in COMPARISON_KEYS),
        "   " + " " * width + "".join(f"{'ours':>{col - 7}}{'spaCy':>7}" for _ in COMPARISON_KEYS),
    ]
    rows = [(n, system[n], baseline[n]) for n in names]
    rows.append(("macro", sys_macro, base_macro))
    for name, s_m, b_m in rows:
        cells = "".join(f"{s_m[key]:>{col - 7}.3f}{b_m[key]:>7.3f}" for _, key in COMPARISON_KEYS)
        lines.append(f"   {name:{width}}" + cells)
    ratios = []
    for _, key in COMPARISON_KEYS:
        base = base_macro.get(key, 0.0)
        ratios.append(f"{sys_macro[key] / base:>{col}.2f}" if base else f"{'-':>{col}}")
    lines.append(f"   {'ratio (macro)':{width}}" + "".join(ratios))
    return "\n".join(lines)


# Counts summed over the texts of a genre, so that its figures weigh every mention, role and
# quote alike (a short text does not count as much as a long one).
POOLED_COUNTS = (
    "named_tp_exact",
    "named_tp_overlap",
    "named_pred",
    "named_gold",
    "type_agree",
    "type_total",
    "role_org_ok",
    "gold_roles",
    "speaker_ok",
    "gold_direct_quotes",
    "split_persons",
    "gold_persons",
)


def pooled(results: Iterable[dict[str, float]]) -> dict[str, float]:
    """Named-mention P/R/F1, type agreement, roles with the right organisation, direct quotes
    with the right speaker and split persons over several texts, from their summed counts."""
    rows = list(results)
    total = {k: sum(r.get(k, 0.0) for r in rows) for k in POOLED_COUNTS}
    out = dict(total, texts=len(rows))
    for key, tp in (("named_exact", "named_tp_exact"), ("named_overlap", "named_tp_overlap")):
        p, r, f = prf(total[tp], int(total["named_pred"]), int(total["named_gold"]))
        out |= {f"{key}_p": p, f"{key}_r": r, f"{key}_f1": f}
    out["type_agreement"] = ratio(int(total["type_agree"]), int(total["type_total"]))
    out["role_org_r"] = ratio(int(total["role_org_ok"]), int(total["gold_roles"]))
    out["quote_speaker_r"] = ratio(int(total["speaker_ok"]), int(total["gold_direct_quotes"]))
    return out


def by_genre(
    results: dict[str, dict[str, float]], genres: dict[str, str]
) -> dict[str, dict[str, float]]:
    names_by_genre: dict[str, list[str]] = {}
    for name in results:
        names_by_genre.setdefault(genres.get(name, "news"), []).append(name)
    return {
        genre: pooled(results[n] for n in names) for genre, names in sorted(names_by_genre.items())
    }


def format_genres(
    results: dict[str, dict[str, float]],
    genres: dict[str, str],
    baseline: dict[str, dict[str, float]] | None = None,
) -> str:
    """Per genre (news, official), pooled over its texts: the figures issue 10 sets targets
    for, with plain spaCy's named-mention F1 and type agreement beside ours when measured."""
    ours = by_genre(results, genres)
    base = by_genre(baseline, genres) if baseline is not None else {}
    lines = [
        "== per genre (pooled over the texts of each genre)",
        f"   {'':10}{'texts':>6}{'named P':>9}{'R':>7}{'F1':>7}{'F1 ovl':>8}{'type agr':>10}"
        f"{'roles+org':>11}{'speakers':>10}{'split':>7}",
    ]
    for genre, m in ours.items():
        lines.append(
            f"   {genre:10}{m['texts']:6.0f}{m['named_exact_p']:9.3f}{m['named_exact_r']:7.3f}"
            f"{m['named_exact_f1']:7.3f}{m['named_overlap_f1']:8.3f}{m['type_agreement']:10.3f}"
            f"{m['role_org_r']:11.3f}{m['quote_speaker_r']:10.3f}{m['split_persons']:7.0f}"
        )
    lines.append(
        "   named = name mentions (exact span; ovl = overlapping span); type agr = the gold"
    )
    lines.append("   mention's type (a place that acts is an actor) among found names; roles+org =")
    lines.append(
        "   gold roles found with the right organisation; speakers = gold direct quotes found"
    )
    lines.append("   with the right speaker; split = gold persons split over predicted persons")
    if base:
        lines.append("")
        lines.append("== per genre: ours vs plain spaCy (en_core_web_sm NER, no entity ruler)")
        lines.append(f"   {'':10}{'named F1':>18}{'named F1 (ovl)':>18}{'type agreement':>18}")
        lines.append(f"   {'':10}" + f"{'ours':>11}{'spaCy':>7}" * 3)
        for genre, m in ours.items():
            b = base.get(genre)
            if b is None:
                continue
            cells = "".join(
                f"{m[k]:11.3f}{b[k]:7.3f}"
                for k in ("named_exact_f1", "named_overlap_f1", "type_agreement")
            )
            lines.append(f"   {genre:10}{cells}")
    return "\n".join(lines)


CALIBRATION_KINDS = ("mentions", "entities", "roles", "quotes")
CALIBRATION_MEANING = {
    "mentions": "right = the exact span of a gold mention",
    "entities": "right = matched with a gold entity",
    "roles": "right = a gold role of the matched entity, with the right organisation",
    "quotes": "right = a gold direct/partial quote with the right speaker",
}
ECE_TARGET = 0.05


def pool_calibration(reports: Iterable[Report]) -> dict[str, list[Judged]]:
    out: dict[str, list[Judged]] = {k: [] for k in CALIBRATION_KINDS}
    for report in reports:
        for kind, items in report.calibration.items():
            out.setdefault(kind, []).extend(items)
    return out


def calibration_summary(items: Sequence[Judged]) -> dict[str, Any]:
    return {
        "n": len(items),
        "ece": expected_calibration_error(items),
        "bins": [
            {
                "low": b.low,
                "high": b.high,
                "n": b.count,
                "confidence": b.confidence,
                "precision": b.precision,
            }
            for b in reliability_bins(items)
        ],
    }


def format_calibration(reports: dict[str, Report]) -> str:
    """The reliability table: confidence bins against observed precision, and the expected
    calibration error, for every kind of prediction that carries a confidence."""
    everything = pool_calibration(reports.values())
    lines = [
        f"== reliability (confidence vs observed precision, all texts; ECE target <= {ECE_TARGET})"
    ]
    if not any(everything.values()):
        lines.append(
            "   unavailable: the extraction output carries no `confidence` on mentions, "
            "entities, roles or quotes"
        )
        return "\n".join(lines)
    genres = sorted({r.genre for r in reports.values()})
    for kind in CALIBRATION_KINDS:
        items = everything.get(kind, [])
        if not items:
            lines.append(f"   {kind}: no confidence in the output")
            continue
        lines.append(f"   {kind} ({len(items)}; {CALIBRATION_MEANING[kind]})")
        lines.append(f"      {'bin':>11}{'n':>6}{'confidence':>12}{'precision':>11}{'gap':>8}")
        for b in reliability_bins(items):
            lines.append(
                f"      {b.low:5.1f}-{b.high:<5.1f}{b.count:6d}{b.confidence:12.3f}"
                f"{b.precision:11.3f}{b.precision - b.confidence:+8.3f}"
            )
        per_genre = []
        for genre in genres:
            sub = pool_calibration(r for r in reports.values() if r.genre == genre).get(kind, [])
            if sub:
                per_genre.append(f"{genre} {expected_calibration_error(sub):.3f} ({len(sub)})")
        lines.append(
            f"      ECE {expected_calibration_error(items):.3f}"
            + (f"; by genre: {', '.join(per_genre)}" if per_genre else "")
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- running


def default_gold_files() -> list[Path]:
    return sorted(EVAL_DIR.glob("*.gold.json"))


def run(paths: Iterable[Path], model: str | None, runs: int) -> tuple[dict, dict]:
    from app.nlp.extract import extract
    from app.nlp.normalise import normalise_text
    from app.nlp.pipeline import load_pipeline

    reports: dict[str, tuple[str, Report]] = {}
    # spaCy can repeat a warning on every call (an entity ruler without patterns): collect
    # them and print each distinct one once.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nlp = load_pipeline(model) if model else load_pipeline()
        for path in paths:
            article, gold = load_gold(path)
            normalised = normalise_text(article.read_text(encoding="utf-8"))
            spans = scope_spans(normalised)
            timings = []
            extraction = None
            for _ in range(max(1, runs)):
                t0 = time.perf_counter()
                extraction = extract(nlp, normalised)
                timings.append((time.perf_counter() - t0) * 1000)
            pred = restrict(from_extraction(extraction), spans)
            report = evaluate(restrict(gold, spans), pred)
            report.metrics["extract_ms"] = statistics.median(timings)
            report.metrics["runs"] = len(timings)
            name = path.name.removesuffix(".gold.json")
            reports[name] = (str(article.relative_to(ROOT)), report)
    for message in sorted({f"{w.category.__name__}: {w.message}" for w in caught}):
        print(f"warning: {message}", file=sys.stderr)
    return reports, {n: r.metrics for n, (_, r) in reports.items()}


def run_baseline(paths: Iterable[Path], model: str | None, runs: int) -> dict[str, dict]:
    """Score plain spaCy (``load_model``: no entity ruler) as a naive system on each file."""
    from app.nlp.normalise import normalise_text
    from app.nlp.pipeline import load_model

    results: dict[str, dict[str, float]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nlp = load_model(model)
        for path in paths:
            article, gold = load_gold(path)
            normalised = normalise_text(article.read_text(encoding="utf-8"))
            spans = scope_spans(normalised)
            timings = []
            doc = None
            for _ in range(max(1, runs)):
                t0 = time.perf_counter()
                doc = nlp(normalised.text)
                timings.append((time.perf_counter() - t0) * 1000)
            assert doc is not None
            ents = [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
            report = evaluate(restrict(gold, spans), restrict(from_spacy_entities(ents), spans))
            report.metrics["extract_ms"] = statistics.median(timings)
            report.metrics["runs"] = len(timings)
            results[path.name.removesuffix(".gold.json")] = report.metrics
    for message in sorted({f"{w.category.__name__}: {w.message}" for w in caught}):
        print(f"warning (baseline): {message}", file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path, help="gold files (default: all)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--model", help="spaCy model name (default: from settings)")
    parser.add_argument("--runs", type=int, default=3, help="timed extract runs per text")
    parser.add_argument("--no-misses", action="store_true", help="only the tables")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also score plain spaCy (no entity ruler) and print both side by side",
    )
    args = parser.parse_args(argv)
    paths = [p if p.is_absolute() else Path.cwd() / p for p in args.gold] or default_gold_files()
    try:
        reports, results = run(paths, args.model, args.runs)
    except (ImportError, OSError, RuntimeError) as exc:
        print(f"evaluate: cannot run the extractor: {exc!r}", file=sys.stderr)
        return 2
    baseline: dict[str, dict[str, float]] | None = None
    if args.baseline:
        try:
            baseline = run_baseline(paths, args.model, args.runs)
        except (ImportError, OSError, RuntimeError) as exc:
            print(f"evaluate: cannot run the spaCy baseline: {exc!r}", file=sys.stderr)
            return 2
    genres = {name: report.genre for name, (_, report) in reports.items()}
    calibration = pool_calibration(r for _, r in reports.values())
    if args.json:
        out: dict[str, Any] = {
            "files": results,
            "macro": macro_average(results),
            "genres": by_genre(results, genres),
            "calibration": {k: calibration_summary(v) for k, v in calibration.items() if v},
        }
        if baseline is not None:
            out["baseline"] = {
                "files": baseline,
                "macro": macro_average(baseline),
                "genres": by_genre(baseline, genres),
            }
        print(json.dumps(out, indent=2))
        return 0
    for name, (article, report) in reports.items():
        print(format_report(name, article, report, show_misses=not args.no_misses))
        print()
    print(format_summary(results))
    if baseline is not None:
        print()
        print(format_comparison(results, baseline))
    print()
    print(format_genres(results, genres, baseline))
    print()
    print(format_calibration({name: report for name, (_, report) in reports.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
