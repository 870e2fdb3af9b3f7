"""One shape for every extraction step, and the runner that applies them in order.

A step takes the article (``ArticleContext``) and what the steps before it found (``Found``)
and returns a ``Decision``: mentions to add, mentions to drop, roles read, aliases introduced.
It never edits ``Found`` itself, with one exception: linking steps set the ``key`` (and may
shorten the span) of the candidates they are given, since a link is a decision about an
existing mention. After each step that adds or drops mentions the runner settles overlaps
once, in one place (as spaCy's ``filter_spans`` does): mentions nest or stay apart; of two
that cross or coincide, the one found first wins; none lies in a name that is no entity of
ours ("Operation Inherent Resolve").
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.nlp.context import ArticleContext, Candidate
from app.nlp.types import RoleFact


@dataclass
class Found:
    """What the steps so far have found."""

    mentions: list[Candidate] = field(default_factory=list)
    roles: dict[str, list[RoleFact]] = field(default_factory=dict)
    # names the article introduces as another name of an entity ("(PMF)", "known as Rada");
    # later steps find their other occurrences
    aliases: list[Candidate] = field(default_factory=list)


@dataclass
class Decision:
    """What one step decided."""

    add: list[Candidate] = field(default_factory=list)
    drop: list[Candidate] = field(default_factory=list)
    roles: dict[str, list[RoleFact]] | None = None
    aliases: list[Candidate] = field(default_factory=list)


Step = Callable[[ArticleContext, Found], Decision]


def settle(ctx: ArticleContext, cands: Sequence[Candidate]) -> list[Candidate]:
    """Mentions nest or stay apart; of two that cross or coincide, the first found wins
    (the earlier in ``cands``); none lies in or across a name that is no entity of ours."""
    kept: list[Candidate] = []
    # Kept mentions that end before the next one starts can clash with no later one (they
    # come in order of start): only the open ones are compared.
    open_: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if ctx.is_blocked(c.start, c.end):
            continue
        open_ = [k for k in open_ if k.end >= c.start]
        clash = any(
            (c.start, c.end) == (k.start, k.end)
            or (c.start < k.end < c.end)
            or (k.start < c.end < k.end and c.start > k.start and c.end > k.end)
            for k in open_
        )
        if not clash:
            kept.append(c)
            open_.append(c)
    return kept


def apply(ctx: ArticleContext, found: Found, decision: Decision) -> Found:
    """``found`` after one step's decision, overlaps settled."""
    mentions = found.mentions
    if decision.add or decision.drop:
        dropped = {id(c) for c in decision.drop}
        mentions = settle(ctx, [c for c in mentions if id(c) not in dropped] + decision.add)
    roles = found.roles if decision.roles is None else decision.roles
    return Found(mentions, roles, found.aliases + decision.aliases)


def run(ctx: ArticleContext, steps: Sequence[Step], found: Found | None = None) -> Found:
    found = found if found is not None else Found()
    for step in steps:
        found = apply(ctx, found, step(ctx, found))
    return found
