"""Plain data produced by extraction: picklable, and free of spaCy so the server can import it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MentionSpan:
    start: int
    end: int
    text: str
    form: str = "name"  # name | nominal (a role nominal or description: "the Iraqi premier")


@dataclass(frozen=True)
class RoleFact:
    title: str
    organisation_key: str | None  # key of the organisation entity, when the article names it
    organisation_name: str | None
    start: int  # the sentence that states the role
    end: int


@dataclass
class ExtractedEntity:
    key: str  # stable within an article: "<type>:<canonical name, lower-cased>"
    name: str
    type: str  # actor | unit | location
    kind: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[MentionSpan] = field(default_factory=list)
    roles: list[RoleFact] = field(default_factory=list)


@dataclass(frozen=True)
class ExtractedQuote:
    start: int  # the quoted words, without the quotation marks
    end: int
    text: str
    kind: str  # direct | partial
    speaker_key: str | None
    speaker_description: str | None


@dataclass
class Extraction:
    entities: list[ExtractedEntity]
    quotes: list[ExtractedQuote]
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def entity(self, key: str) -> ExtractedEntity | None:
        return next((e for e in self.entities if e.key == key), None)
