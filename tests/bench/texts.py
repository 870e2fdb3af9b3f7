"""Generated conflict reports for the scale benchmark: deterministic, entity-dense English.

Each text is made from sentence templates filled with people (a title, a first name and a
surname), armed groups, units and places (names the knowledge file knows, and towns it does
not), with attributed quotes, so that extraction finds about as many mentions per word as in
wire reporting. The same ``seed`` gives the same texts on every machine. They are inputs to the
benchmark only: no test asserts what extraction finds in them.
"""

import random
from dataclasses import dataclass

FIRST_NAMES = [
    "Ahmed", "Omar", "Khalid", "Hassan", "Mustafa", "Ali", "Karim", "Faisal", "Yusuf",
    "Tariq", "Jamal", "Salim", "Walid", "Adnan", "Bashir", "Hamid", "Nabil", "Rashid",
    "Sami", "Ziad", "Majid", "Qasim", "Raed", "Haidar",
]
SURNAMES = [
    "al-Jubouri", "al-Dulaimi", "al-Obeidi", "al-Shammari", "al-Fahdawi", "al-Issawi",
    "al-Karbouli", "al-Mashhadani", "al-Zobaie", "al-Rawi", "al-Hashimi", "al-Tamimi",
    "al-Ani", "al-Samarrai", "al-Nuaimi", "al-Qaisi", "al-Mahalawi", "al-Halbousi",
]
TITLES = [
    ("Col.", "a spokesman for"), ("Brig. Gen.", "the commander of"),
    ("Maj.", "an officer in"), ("Sheikh", "a tribal leader allied with"),
    ("Lt. Col.", "a spokesman for"), ("Gen.", "the deputy commander of"),
]
GROUPS = [
    "Islamic State", "Kataib Hezbollah", "Asaib Ahl al-Haq", "Badr Organization",
    "Harakat al-Nujaba", "Ansar al-Islam", "Jaish Rijal al-Tariqa al-Naqshbandia",
]
UNITS = [
    "Popular Mobilization Forces", "Counter Terrorism Service", "Federal Police",
    "Golden Division", "Iraqi Security Forces", "Tribal Mobilization Forces",
    "Emergency Response Division", "Iraqi Special Operations Forces",
]
PLACES = [
    "Ramadi", "Fallujah", "Hit", "Haditha", "Baiji", "Tikrit", "Samarra", "Mosul",
    "Tal Afar", "Qaim", "Rutba", "Karmah", "Amiriyat al-Fallujah", "Baghdadi", "Anah",
    "Sinjar", "Kirkuk", "Hawija", "Sharqat", "Baqubah",
]
REGIONS = ["Anbar", "Nineveh", "Salahuddin", "Diyala", "Kirkuk province"]
OFFICES = [
    "the provincial council", "the Interior Ministry", "the Defense Ministry",
    "the Joint Operations Command", "the United Nations", "the U.S.-led coalition",
]
QUOTES = [
    "We will not leave the city until every neighborhood is cleared",
    "The militants have mined the roads and the bridges into the town",
    "Our forces need weapons and ammunition, not promises",
    "Thousands of families are trapped without water or electricity",
    "The attack was repelled after hours of heavy fighting",
    "We warned Baghdad for months that the defenses were too thin",
    "The tribes are ready to fight if the government arms them",
    "Nobody has been paid for three months and morale is collapsing",
]
WORDS_PER_ARTICLE = 950


@dataclass(frozen=True)
class GeneratedArticle:
    slug: str
    title: str
    text: str


class _Cast:
    """The people, groups, units and places of one article, reused as a reporter would."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = [
            (rng.choice(TITLES), f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}")
            for _ in range(rng.randint(6, 9))
        ]
        self.groups = rng.sample(GROUPS[1:], 3) + ["Islamic State"]
        self.units = rng.sample(UNITS, 4)
        self.places = rng.sample(PLACES, 7)
        self.introduced: set[str] = set()

    def person(self) -> str:
        (title, job), name = self.rng.choice(self.people)
        if name in self.introduced:
            surname = name.split(" ", 1)[1].removeprefix("al-").capitalize()
            return surname if self.rng.random() < 0.4 else name
        self.introduced.add(name)
        body = self.rng.choice(self.units + self.groups[:3])
        return f"{title} {name}, {job} the {body},"

    def group(self) -> str:
        return self.rng.choice(self.groups[-1:] * 3 + self.groups)

    def unit(self) -> str:
        return "the " + self.rng.choice(self.units)

    def place(self) -> str:
        return self.rng.choice(self.places)


def _sentence(cast: _Cast) -> str:
    rng = cast.rng
    templates = [
        lambda: f"{cast.group()} fighters attacked {cast.unit()} near {cast.place()} on "
                f"{rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])}, "
                f"and {cast.unit()} withdrew toward {cast.place()}.",
        lambda: f"{cast.person()} said that {cast.group()} had seized the road between "
                f"{cast.place()} and {cast.place()}.",
        lambda: f"\u201c{rng.choice(QUOTES)},\u201d said {cast.person()} speaking by "
                f"telephone from {cast.place()}.",
        lambda: f"Officials in {rng.choice(REGIONS)} said {cast.unit()} and {cast.unit()} "
                f"were preparing a counteroffensive to retake {cast.place()}.",
        lambda: f"{cast.person()} told reporters in {cast.place()} that {cast.group()} "
                f"controlled most of {rng.choice(REGIONS)}.",
        lambda: f"A statement from {rng.choice(OFFICES)} said airstrikes had hit "
                f"{cast.group()} positions around {cast.place()} and {cast.place()}.",
        lambda: "Residents who fled {} for {} said ".format(*rng.sample(cast.places, 2))
                + f"{cast.group()} fighters had executed members of {cast.unit()}.",
        lambda: f"T{cast.unit()[1:]} sent reinforcements from {cast.place()}, "
                f"according to {cast.person()} who asked that his unit not be named.",
    ]
    return rng.choice(templates)()


def generated_articles(
    count: int, seed: int = 2015, words: int = WORDS_PER_ARTICLE
) -> list[GeneratedArticle]:
    """``count`` articles of about ``words`` words each."""
    articles = []
    for n in range(count):
        rng = random.Random(seed * 1000 + n)
        cast = _Cast(rng)
        place = cast.places[0]
        title = f"Fighting around {place} as {cast.groups[-1]} presses on {cast.places[1]}"
        paragraphs = ["BAGHDAD \u2014 " + _sentence(cast)]
        written = len(paragraphs[0].split())
        while written < words:
            para = " ".join(_sentence(cast) for _ in range(rng.randint(2, 4)))
            paragraphs.append(para)
            written += len(para.split())
        text = "\n\n".join(paragraphs) + "\n"
        articles.append(GeneratedArticle(f"generated-{seed}-{n + 1}", title, text))
    return articles
