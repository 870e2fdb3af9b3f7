"""Turn a normalised article into entities, mentions and quotes (baseline: spaCy NER)."""

from spacy.language import Language

from app.ingest.labels import DOMAIN_LABELS, SPACY_LABELS
from app.ingest.normalise import NormalisedText
from app.ingest.types import ExtractedEntity, Extraction, MentionSpan


def _label_type(label: str) -> tuple[str, str] | None:
    return DOMAIN_LABELS.get(label) or SPACY_LABELS.get(label)


def extract(nlp: Language, doc_text: NormalisedText) -> Extraction:
    entities: dict[str, ExtractedEntity] = {}
    sentences: list[tuple[int, int]] = []
    for para in doc_text.paragraphs:
        if para.kind not in ("body", "caption"):
            continue
        doc = nlp(doc_text.text[para.start : para.end])
        sentences.extend((para.start + s.start_char, para.start + s.end_char) for s in doc.sents)
        for ent in doc.ents:
            typed = _label_type(ent.label_)
            if typed is None:
                continue
            name = ent.ent_id_ or ent.text
            key = f"{typed[0]}:{name.lower()}"
            entity = entities.setdefault(key, ExtractedEntity(key, name, typed[0], typed[1]))
            start = para.start + ent.start_char
            entity.mentions.append(MentionSpan(start, start + len(ent.text), ent.text))
    return Extraction(entities=list(entities.values()), quotes=[], sentences=sentences)
