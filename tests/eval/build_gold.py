"""Build a text and its gold file from an inline-annotated source in tests/eval/annotated/.

The round-two texts were annotated by hand in this inline form, which is easier to write and
to review than character offsets; this script only turns the marks into offsets::

    .venv/bin/python tests/eval/build_gold.py tests/eval/annotated/mosul_news.ann

Source format (see GUIDELINES.md for *what* is annotated):

* Header lines before the line ``---``: ``@article <path>``, ``@genre news|official``,
  ``@entity id | name | type | kind``; lines starting with ``#`` are comments.
* Body: paragraphs separated by blank lines (a paragraph may wrap over several lines).
* ``[id|text]`` a name mention, ``[id*|text]`` a nominal; ``[id^actor|text]`` gives the
  mention its own type (a country that acts).  Mentions may nest.
* ``<title@org>`` right after a mention's ``]``: a role of that entity, stated in the
  sentence around the mention; ``org`` is a gold id or ``-``.
* ``{d:speaker|text}``, ``{p:speaker|text}``: a direct or partial quote between the
  quotation marks; ``{d:?a resident|text}`` an anonymous speaker with its description;
  ``{t|text}`` a term.
* ``\\u200e`` and the like are written as escapes and become the character.

The text file keeps every character as written; the offsets of the gold file index the text as
``normalise_text`` returns it (README: gold format), so they are mapped through the
normaliser.  When the normaliser changes what it keeps, run this script again on every source.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
ABBREVIATIONS = {
    "col", "gen", "lt", "maj", "brig", "capt", "sgt", "mr", "ms", "mrs", "dr", "st", "no",
    "gov", "sen", "rep", "adm", "cmdr", "gens", "cpl", "pvt", "vs", "mt",
}  # fmt: skip


def _unescape(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _sentence_end_at(text: str, i: int) -> bool:
    """Is the [.!?] at text[i] the end of a sentence?"""
    j = i + 1
    while j < len(text) and text[j] in '”’")':
        j += 1
    if j < len(text) and text[j] not in " \n":
        return False
    k = j
    while k < len(text) and text[k] == " ":
        k += 1
    if k < len(text) and text[k] != "\n" and not (text[k].isupper() or text[k] in '“"‘'):
        return False
    if text[i] == ".":
        word = re.search(r"([\w.]+)$", text[:i])
        token = word.group(1) if word else ""
        if token.lower() in ABBREVIATIONS or "." in token or len(token) == 1:
            return False
    return True


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    s = para_start
    for i in range(para_start, start):
        if text[i] in ".!?" and _sentence_end_at(text, i):
            j = i + 1
            while text[j] in '”’") ':
                j += 1
            if j <= start:
                s = j
    e = para_end
    for i in range(end, para_end):
        if text[i] in ".!?" and _sentence_end_at(text, i):
            e = i + 1
            while e < para_end and text[e] in '”’")':
                e += 1
            break
    return s, e


def parse(source: str) -> tuple[dict[str, str], list[dict[str, Any]], str, list, list]:
    head, _, body = source.partition("\n---\n")
    meta: dict[str, str] = {}
    entities: list[dict[str, Any]] = []
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        if key == "@entity":
            eid, name, etype, kind = (p.strip() for p in value.split("|"))
            entities.append({"id": eid, "name": name, "type": etype, "kind": kind})
        else:
            meta[key.lstrip("@")] = value.strip()
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip())]
    marked = _unescape("\n\n".join(paragraphs))
    out: list[str] = []
    stack: list[tuple[str, str, int]] = []
    mentions: list[tuple[str, int, int, str, str | None, list[tuple[str, str | None]]]] = []
    quotes: list[tuple[str, str, int, int]] = []
    i = 0
    pos = 0
    while i < len(marked):
        c = marked[i]
        if (
            c in "[{"
            and (bar := marked.find("|", i)) > 0
            and re.fullmatch(r"[\w*^:?\-.,’' ]*", marked[i + 1 : bar])
        ):
            stack.append((c, marked[i + 1 : bar], pos))
            i = bar + 1
            continue
        if c in "]}" and stack:
            opener, label, start = stack.pop()
            assert (opener, c) in (("[", "]"), ("{", "}")), (label, marked[i - 40 : i])
            i += 1
            if c == "]":
                roles = []
                while i < len(marked) and marked[i] == "<":
                    close = marked.index(">", i)
                    title, _, org = marked[i + 1 : close].partition("@")
                    roles.append((title.strip(), None if org.strip() == "-" else org.strip()))
                    i = close + 1
                form = "nominal" if "*" in label else "name"
                mtype = label.split("^")[1] if "^" in label else None
                eid = label.split("^")[0].replace("*", "")
                mentions.append((eid, start, pos, form, mtype, roles))
            else:
                quotes.append((label, "", start, pos))
            continue
        out.append(c)
        pos += 1
        i += 1
    assert not stack, stack
    return meta, entities, "".join(out), mentions, quotes


def offset_map(raw: str, normalised: str) -> list[int]:
    """raw index -> index of the same character in the normalised text (or of the next kept
    one, for a character the normaliser removed); one more entry for the end."""
    positions = [0] * (len(raw) + 1)
    matcher = difflib.SequenceMatcher(None, raw, normalised, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                positions[i1 + k] = j1 + k
        elif op == "delete":
            for k in range(i1, i2):
                positions[k] = j1
        else:
            raise AssertionError(f"the normaliser rewrote {raw[i1:i2]!r} as {normalised[j1:j2]!r}")
    positions[len(raw)] = len(normalised)
    return positions


def _normalised(raw: str) -> str:
    from app.nlp.normalise import normalise_text

    return normalise_text(raw).text


def build(source_path: Path) -> tuple[Path, str, dict[str, Any]]:
    meta, entities, raw, mentions, quotes = parse(source_path.read_text(encoding="utf-8"))
    text = _normalised(raw)
    at = offset_map(raw, text)
    mentions = [
        (eid, at[s], at[e], form, mtype, roles) for eid, s, e, form, mtype, roles in mentions
    ]
    quotes = [(label, extra, at[s], at[e]) for label, extra, s, e in quotes]
    by_id = {e["id"]: e for e in entities}
    for e in entities:
        e["mentions"], e["roles"] = [], []
    for eid, start, end, form, mtype, roles in sorted(mentions, key=lambda m: m[1]):
        assert eid in by_id, f"unknown entity {eid!r} at {text[start:end]!r}"
        mention: dict[str, Any] = {"start": start, "end": end, "text": text[start:end]}
        mention["form"] = form
        if mtype:
            mention["type"] = mtype
        by_id[eid]["mentions"].append(mention)
        for title, org in roles:
            s, e = sentence_around(text, start, end)
            by_id[eid]["roles"].append({"title": title, "organisation": org, "start": s, "end": e})
    unused = [e["id"] for e in entities if not e["mentions"]]
    assert not unused, f"entities without mentions: {unused}"
    gold_quotes = []
    for label, _, start, end in sorted(quotes, key=lambda q: q[2]):
        kind_code, _, speaker = label.partition(":")
        kind = {"d": "direct", "p": "partial", "t": "term"}[kind_code]
        description = None
        if speaker.startswith("?"):
            speaker, description = "", speaker[1:]
        if speaker and speaker not in by_id:
            raise AssertionError(f"unknown speaker {speaker!r}")
        gold_quotes.append(
            {
                "start": start,
                "end": end,
                "text": text[start:end],
                "kind": kind,
                "speaker": speaker or None,
                "speaker_description": description,
            }
        )
    gold = {
        "article": meta["article"],
        "genre": meta["genre"],
        "entities": entities,
        "quotes": gold_quotes,
    }
    return ROOT / meta["article"], raw + "\n", gold


def main(argv: list[str]) -> int:
    for arg in argv:
        source = Path(arg)
        article, text, gold = build(source)
        article.write_text(text, encoding="utf-8")
        gold_path = article.with_name(article.name.removesuffix(".txt") + ".gold.json")
        gold_path.write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"{source} -> {article.relative_to(ROOT)}, {gold_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
