"""Plain data produced by extraction: picklable, and free of spaCy so the server can import it."""

from dataclasses import dataclass, field
from typing import Final

# How a fact was found: from our knowledge files, by the statistical model, by a rule of ours
# (context, patterns, apposition, attribution), as a description linked to a named entity;
# "editor" is set by a person correcting the extraction, never by extraction itself.
METHODS: Final = ("knowledge", "model", "rule", "description", "editor")


@dataclass(frozen=True)
class MentionSpan:
    start: int
    end: int
    text: str
    form: str = "name"  # name | nominal (a role nominal or description: "the Iraqi premier")
    # The mention's own type where it differs from its entity's (ACE's GPE roles: "Turkey
    # warned" is an actor mention of the country, "in Turkey" a location); None: the entity's.
    type: str | None = None
    method: str = "rule"
    confidence: float | None = None  # calibrated probability that the span is right
    features: tuple[str, ...] = ()  # what the confidence rests on, most specific first


@dataclass(frozen=True)
class RoleFact:
    title: str
    organisation_key: str | None  # key of the organisation entity, when the article names it
    organisation_name: str | None
    start: int  # the sentence that states the role
    end: int
    method: str = "rule"
    cue: str = "apposition"  # the construction that states it, a calibration feature
    confidence: float | None = None
    features: tuple[str, ...] = ()


@dataclass
class ExtractedEntity:
    key: str  # stable within an article: "<type>:<canonical name, lower-cased>"
    name: str
    type: str  # actor | unit | location
    kind: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[MentionSpan] = field(default_factory=list)
    roles: list[RoleFact] = field(default_factory=list)
    method: str = "rule"
    confidence: float | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExtractedQuote:
    start: int  # the quoted words, without the quotation marks
    end: int
    text: str
    kind: str  # direct | partial
    speaker_key: str | None
    speaker_description: str | None
    method: str = "rule"
    cue: str = ""  # how the speaker was found, a calibration feature
    confidence: float | None = None
    features: tuple[str, ...] = ()


@dataclass
class Extraction:
    entities: list[ExtractedEntity]
    quotes: list[ExtractedQuote]
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def entity(self, key: str) -> ExtractedEntity | None:
        return next((e for e in self.entities if e.key == key), None)
