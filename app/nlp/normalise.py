"""Text normalisation: paragraphs, hyphenated line breaks, caption, related links, boilerplate.

Typographic quotes, dashes and no-break spaces are kept as they are: offsets into the
normalised text are what mentions and quotes point at.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n+")
# A word broken by a hyphen at a line end: "al-\nHabbaniyah" -> "al-Habbaniyah".
_HYPHEN_BREAK = re.compile(r"(?<=\w-)[ \t]*\n[ \t]*(?=\w)")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
_CREDIT = re.compile(
    r"\((?:[^()]{1,80}/[^()]{1,80}"
    r"|[^()]*\b(?:AP|AFP|Reuters|Getty Images|EPA|Associated Press)\b[^()]*)\)\s*$"
)
_BYLINE = re.compile(
    r"^By\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
    r"(?:\s*(?:,|and)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})*"
    r"(?:\s*[|,–—-]\s*[^.!?]{0,60})?$"
)
_RELATED_HEAD = re.compile(
    r"^(read more|related|more on this|read also|see also|more from)\b\s*:?", re.I
)
_CLAUSE_END = re.compile(
    r"[,;:(\u2014\u2013]| -- "
    r"| (?:as|while|after|when|because|prompting|but|amid|despite|where|which)\b"
)


@dataclass(frozen=True)
class ParagraphSpan:
    index: int
    start: int
    end: int
    kind: str  # caption | body | related | boilerplate


@dataclass(frozen=True)
class NormalisedText:
    text: str
    paragraphs: tuple[ParagraphSpan, ...]

    def body(self) -> list[ParagraphSpan]:
        return [p for p in self.paragraphs if p.kind == "body"]


@lru_cache
def _boilerplate_patterns() -> tuple[re.Pattern[str], ...]:
    lines = (DATA_DIR / "boilerplate.txt").read_text(encoding="utf-8").splitlines()
    return tuple(
        re.compile(ln.strip(), re.I) for ln in lines if ln.strip() and not ln.startswith("#")
    )


def _clean_paragraph(raw: str) -> str:
    joined = _HYPHEN_BREAK.sub("", raw.strip())
    return _LINE_BREAK.sub(" ", joined)


def split_paragraphs(raw: str) -> list[str]:
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    parts = (_clean_paragraph(p) for p in _BLANK_LINES.split(raw))
    return [p for p in parts if p]


def is_boilerplate(paragraph: str) -> bool:
    return any(p.search(paragraph) for p in _boilerplate_patterns())


def classify_paragraphs(paragraphs: list[str]) -> list[str]:
    kinds = ["body"] * len(paragraphs)
    if len(paragraphs) > 1 and _CREDIT.search(paragraphs[0]):
        kinds[0] = "caption"
    for i in range(min(3, len(paragraphs) - 1)):
        if _BYLINE.match(paragraphs[i]):
            kinds[i] = "boilerplate"  # "By Jane Doe": who wrote it, not what it says
    end = len(paragraphs)
    while end > 1 and is_boilerplate(paragraphs[end - 1]):
        end -= 1
        kinds[end] = "boilerplate"
    for i in range(end - 1, 0, -1):
        if _RELATED_HEAD.match(paragraphs[i]):
            for j in range(i, end):
                kinds[j] = "related"
            break
    return kinds


def normalise_text(raw: str) -> NormalisedText:
    paragraphs = split_paragraphs(raw)
    kinds = classify_paragraphs(paragraphs)
    spans: list[ParagraphSpan] = []
    pos = 0
    for index, (para, kind) in enumerate(zip(paragraphs, kinds, strict=True)):
        spans.append(ParagraphSpan(index, pos, pos + len(para), kind))
        pos += len(para) + 2
    return NormalisedText("\n\n".join(paragraphs), tuple(spans))


def title_from_lede(doc: NormalisedText, limit: int = 120) -> str:
    """The lede's first clause, so an article never gets an invented headline."""
    body = doc.body() or list(doc.paragraphs)
    if not body:
        return ""
    lede = doc.text[body[0].start : body[0].end]
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])", lede, maxsplit=1)[0]
    clause = sentence
    for match in _CLAUSE_END.finditer(sentence):
        if len(sentence[: match.start()].split()) >= 5:
            clause = sentence[: match.start()]
            break
    # A lede of dots or dashes only still names the article by its own words.
    clause = clause.strip().rstrip(".").rstrip() or lede
    if len(clause) > limit:
        clause = clause[:limit].rsplit(" ", 1)[0].rstrip() + "…"
    return clause


def slugify(value: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return slug[:limit].rstrip("-") or "article"
