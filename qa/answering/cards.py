"""Which service cards to show for a question, in what order, and why.

A card earns its place from what the question asks about (the ``topics`` of services.yaml map
words to categories) and from the passages shown (a service named in them). The ``why`` line is a
fixed sentence filled with corpus data, never generated prose.
"""

from __future__ import annotations

from qa.corpus.services import Directory
from qa.i18n import N_, gettext
from qa.index.chunks import Chunk
from qa.records import ServiceCard
from qa.text import normalise

MAX_CARDS = 4
TOPIC_WEIGHT = 3.0
FIRST_PASSAGE_WEIGHT = 2.0
OTHER_PASSAGE_WEIGHT = 1.0
TOPIC_ONLY_WEIGHT = 1.0
# The "why" lines: fixed sentences of the service's own, translated in the catalogs (qa.i18n).
FEAR_WHY = N_("{label}; shown first because your question mentions fear of police, arrest or deportation")
NAMED_WHY = N_("Named in the passage on “{section}”")
TOPIC_NAMED_WHY = N_("{label}, which your question is about; named in the passage on “{section}”")
TOPIC_WHY = N_("{label}, which your question is about")
ASKED_WHY = N_("Your question names this service")
FALLBACK_WHY = N_("Can help with many needs, even when our information does not cover a question")
LABELS = {  # what a service in the category does, as the start of a "why" line
    "emergency": N_("Helps in emergencies"), "trafficking": N_("Helps people affected by trafficking"),
    "health": N_("Offers health care"), "mental-health": N_("Offers mental health care"),
    "harm-reduction": N_("Offers harm reduction"), "sexual-violence": N_("Helps survivors of sexual violence"),
    "domestic-violence": N_("Helps with domestic violence"), "shelter": N_("Offers shelter or shelter referrals"),
    "legal": N_("Offers legal help"), "basic-needs": N_("Helps with basic needs"),
    "youth": N_("Works with children and young people"), "police": N_("Is a police service"),
    "information": N_("Publishes information and data"), "education": N_("Offers education and training"),
}


def question_topics(question: str, directory: Directory) -> list[str]:
    """Categories the question asks about, in the order services.yaml lists them."""
    text = normalise(question)
    return [cat for cat, words in directory.topics if words.first(text) is not None]


def choose_cards(question: str, shown: list[Chunk], directory: Directory, limit: int = MAX_CARDS,
                 fear_first: tuple[str, ...] = (), lang: str = "en") -> list[ServiceCard]:
    """Cards for an answered question, best first, their texts in ``lang``.

    A service named in the first passage scores 2, in a later one 1; offering a category the
    question asks about adds 3 when the service is also named, 1 when it is not (so a topic alone
    brings a card in, but below the services the passages point to), plus 1/(services in that
    category), so the most specific match leads.

    Then ``policy`` in services.yaml: services of a ``first_when`` category the question asks about
    come in and lead, and services none of whose categories the policy allows for this question go.

    ``fear_first``: the person fears police, arrest or deportation; these services (safety.yaml's
    ``police_fear``) lead, in that order, and police services come after every other card, so a
    frightened person is never sent first to the door they fear.
    """
    leading = directory.leading(question)
    topics = question_topics(question, directory)
    topics += [c for c in leading if c not in topics]  # a category the policy puts first comes in as a topic
    if fear_first:
        topics = [t for t in topics if t != "police"]
    # A category few services offer says more about what the person needs than a broad one:
    # "immigration" (legal: one service) outranks "trafficking" (many) in the same question.
    size = {t: sum(t in s.categories for s in directory.services) for t in topics}
    named: dict[str, tuple[float, int, str]] = {}  # id -> (score, first position, section)
    for rank, chunk in enumerate(shown):
        for pos, sid in enumerate(directory.named_in_passage(chunk.text)):
            weight = FIRST_PASSAGE_WEIGHT if rank == 0 else OTHER_PASSAGE_WEIGHT
            old = named.get(sid, (0.0, rank * 1000 + pos, chunk.section))
            named[sid] = (old[0] + weight, old[1], old[2])

    def label(category: str) -> str:
        return gettext(lang, LABELS[category])

    ranked = []
    asked_by_name = directory.named_in(question)  # a service the question names is what it asks about
    for order, service in enumerate(directory.services):
        matched = sorted((t for t in topics if t in service.categories), key=lambda t: size[t])
        specific = 1.0 / size[matched[0]] if matched else 0.0
        if service.id in named:
            score, position, section = named[service.id]
            why = gettext(lang, NAMED_WHY).format(section=section)
            if matched:
                score += TOPIC_WEIGHT + specific
                why = gettext(lang, TOPIC_NAMED_WHY).format(label=label(matched[0]), section=section)
        elif matched:
            score, position = TOPIC_ONLY_WEIGHT + specific, 10_000 + order
            why = gettext(lang, TOPIC_WHY).format(label=label(matched[0]))
        elif service.id in asked_by_name:
            score, position, why = 0.0, 10_000 + order, gettext(lang, ASKED_WHY)
        else:
            continue
        ranked.append((bool(fear_first) and "police" in service.categories, -score, position, service.card(why, lang)))
    # services.yaml's policy: what the question is about decides who leads, and who is not help at all
    withheld = directory.withheld(question)
    ranked = [r for r in ranked if r[3].id not in withheld]

    def lead(service_id: str) -> tuple[int, int]:
        """Named in the question first, then the services of the leading categories, in policy order."""
        first = [leading.index(c) for c in directory[service_id].categories if c in leading]
        asked = asked_by_name.index(service_id) if service_id in asked_by_name else len(asked_by_name)
        return asked, min(first, default=len(leading))

    ranked.sort(key=lambda r: (r[0], lead(r[3].id), r[1], r[2]))
    cards = [card for *_, card in ranked]
    if fear_first:
        first = [directory[sid].card(gettext(lang, FEAR_WHY).format(label=label(directory[sid].categories[0])), lang)
                 for sid in fear_first]
        cards = first + [c for c in cards if c.id not in fear_first]
    return cards[:limit]


def arrange(banner: list[ServiceCard], page: list[ServiceCard], fear_first: tuple[str, ...] = (),
            limit: int = MAX_CARDS) -> tuple[list[ServiceCard], list[ServiceCard]]:
    """(the banner's cards, the page's cards) as a person sees them.

    The banner holds only cards that can be reached at once (a phone, website or email); the
    banner's other cards lead the page's; no card is shown twice; and for a person who fears the
    police (``fear_first``), those services lead the page whatever else moved up.
    """
    reachable = [c for c in banner if c.phones or c.url or c.email]
    unreachable = [c for c in banner if c not in reachable]
    shown = {c.id for c in banner}
    cards = unreachable + [c for c in page if c.id not in shown]
    if fear_first:
        cards = sorted(cards, key=lambda c: fear_first.index(c.id) if c.id in fear_first else len(fear_first))
    return reachable, cards[:limit]


def fallback_cards(directory: Directory, lang: str = "en") -> list[ServiceCard]:
    """The cards services.yaml names for questions the corpus does not answer, their texts in ``lang``."""
    return [directory[sid].card(gettext(lang, FALLBACK_WHY), lang) for sid in directory.fallback]
