"""Questions that ask for one kind of fact, and whether an answer holds a fact of that kind.

"What are Generations' opening hours" is about a service the corpus describes, so its passages
score well, but none of them states opening hours. Shown as an answer, they mislead: the person
reads them looking for hours that are not there. So a question that asks for a fact of a specific
kind (opening hours, a street address, a phone number, a cost, an amount in dollars, a length of
time, an age, a year, a web address, which insurance a service takes, whether it needs an appointment
or an ID, who runs it, step-by-step instructions) is answered only when the passages shown first or the service
cards hold a fact of that kind; otherwise the page says precisely what is missing.

Both sides are patterns over text, English and Spanish: what a question asking for the fact looks
like, and what the fact itself looks like in a passage ("9am-5pm", "24/7", "$500", "under 18").
They recognise a shape, not a meaning, so they are kept narrow: a question matches only when it
plainly asks for the fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.i18n import N_
from qa.records import ServiceCard
from qa.text import normalise

_NUMBER_WORDS = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|sixty|ninety)"
_UNITS = r"(?:years?|months?|weeks?|days?|hours?|minutes?)"
# where to look a figure up ("where would I look up how many people get arrested", "dónde encuentro cuántos casos
# hay"): the question asks for a source, which a passage on where figures are published answers
_SOURCE = (r"\bwhere (?:can|could|would|do|does|should|might|to) (?:i |we |you |one |someone |people )?"
           r"(?:find|look|get|see|check|search|read|go)\b|\b(?:look up|looking up|find out|search for|track down)\b"
           r"|\b(?:is there|are there|any) (?:any )?(?:data|stats|statistics|research|studies|records|reports)\b"
           r"|\bd[oó]nde (?:puedo |se puede |podr[ií]a |hay que )?(?:encontrar|encuentro|busco|buscar|consulto|consultar|"
           r"veo|ver|saco|sacar|averiguo|averiguar)\b|\b(?:hay|existen) (?:datos|estad[ií]sticas|informes|estudios)\b")


@dataclass(frozen=True)
class FactKind:
    """One kind of fact: how a question asks for it, how a text states it, and which card field holds it."""

    name: str
    missing: str  # "Our information does not list <missing>."
    asks: re.Pattern[str]
    holds: re.Pattern[str]
    card_field: str | None = None
    # the card lines that may state it: a service's opening hours ("24 hours") or its cost are no length
    # of a sentence, count of people or age
    card_lines: tuple[str, ...] = ("description", "hours", "cost", "eligibility")
    # a question that asks this way asks for something else: where to look a count up is a source, not a count
    not_when: re.Pattern[str] | None = None

    def held_by(self, texts: list[str], cards: list[ServiceCard]) -> bool:
        if self.card_field and any(getattr(c, self.card_field) for c in cards):
            return True
        said = [t for c in cards for name in self.card_lines if (t := getattr(c, name))]
        return any(self.holds.search(t) for t in [*texts, *said])


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


KINDS: tuple[FactKind, ...] = (
    FactKind(
        "amount", N_("an amount in dollars"),
        _re(r"\bhow much (?:is |are |would |will |could |can )?(?:the |a |my )?"
            r"(?:fines?|bail|penalt(?:y|ies)|money)\b"
            r"|\bhow (?:much|many) (?:money|dollars)\b|\bin dollars\b|\bwhat(?: is|s|'s) the fine\b"
            # the top or bottom of a range asks for its figure: "what's the max fine for patronizing"
            r"|\b(?:max|maximum|min|minimum|highest|biggest|largest|lowest) (?:fines?|bail)\b"
            r"|\bmulta (?:m[aá]xima|m[ií]nima)\b"
            r"|\bcu[aá]nto (?:es |seria |sería )?(?:la |de )?(?:multa|fianza|dinero)\b|\bde cu[aá]nto es la multa\b"
            # an eligibility limit in money: "the income limit for a family of 3"
            r"|\bincome (?:limits?|caps?|cutoffs?|requirements?|guidelines?)\b|\bhow much can (?:i|you|we) (?:make|earn)\b"
            r"|\bl[ií]mite de ingresos?\b"),
        _re(r"\$\s?\d|\b\d[\d,]*\s*(?:dollars|usd|d[oó]lares)\b"),
    ),
    FactKind(
        "cost", N_("what it costs"),
        _re(r"\bhow much (?:does|do|would|will|is|are)\b.*\b(?:cost|costs|charge|pay)\b|\b(?:cost|price)s? (?:of|for|to)\b"
            r"|\bwhat(?: does|'s| is) (?:it|the \w+) cost\b"
            r"|\bhow much (?:is|are) (?:it|a|an|the) (?:test|visit|appointment)s?\b"
            r"|\bis (?:it|testing|that|this|the \w+) free\b|\bcu[aá]nto (?:cuesta|cuestan|cobran|cobra|vale|valen)\b"
            r"|\bprecio\b|\bes gratis\b"
            # a price at the counter: "how much is narcan at walgreens without insurance"
            r"|\bhow much (?:is|are|does|do|would|will)\b.{0,40}\b(?:without|w/o|with no) insurance\b"
            r"|\bcu[aá]nto\b.{0,40}\bsin seguro\b"),
        _re(r"\$\s?\d|\bfree\b|\bno[- ]cost\b|\blow[- ]cost\b|\bsliding[- ]scale\b|\bgratis\b|\bwithout charge\b"),
        "cost",
    ),
    FactKind(
        "hours", N_("opening hours"),
        _re(r"\b(?:opening|visiting|office|business|open) hours\b|\bhours (?:of|for|are|is|do|does|in|at|on)\b"
            r"|\bwhat are (?:the|their|its|his|her)(?: \w+)? hours\b|\bhours\?"
            r"|\bwhat time (?:do|does|is|are|will)\b"
            r"|\bwhen (?:do|does|is|are|will) .{0,40}\b(?:open|close)\b|\bopen (?:on|at|today|tomorrow|on weekends|late)\b"
            # a schedule: "what nights are the classes", "which days do they test"
            r"|\b(?:what|which) (?:nights?|days?|times?) (?:are|is|do|does|can|will)\b|\b(?:qu[eé]|q) d[ií]as\b"
            r"|\bhorarios?\b|\ba (?:qu[eé]|q) hora\b"),
        _re(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b24/7\b|\b24 hours\b|\b(?:mon|tue|wed|thu|fri|sat|sun)"
            r"(?:day)?s?\s*(?:-|to|through|–)"),
        "hours",
    ),
    FactKind(
        "address", N_("a street address"),
        _re(r"\b(?:street |mailing |physical )?address\b|\bdirecci[oó]n\b|\bwhat street\b"
            r"|\bwhere (?:exactly )?is (?:it|their|the) (?:\w+ )?(?:office|building) located\b"
            # where a place is, asked as a place: "where is the police station located", "dónde queda la estación"
            r"|\bwhere(?: exactly)? (?:is|are) (?:it|they|their|the)(?: [\w']+){0,3} located\b"
            r"|\bd[oó]nde (?:queda|quedan|est[aá] ubicad[oa]|est[aá]n ubicad[oa]s)\b"),
        _re(r"\b\d+\s+(?:[a-z]+\s+){1,3}"
            r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|place|pl)\b"),
    ),
    FactKind(
        "phone", N_("a phone number for that"),
        _re(r"\b(?:phone|telephone|cell|contact|hotline|helpline) (?:number|#)\b|\b(?:what|which) number\b"
            r"|\bnon[- ]?emergency (?:number|line|phone)\b"
            r"|\bnumber (?:to|for|i can|can i|do i) (?:call|text)\b"
            r"|\bn[uú]mero (?:de tel[eé]fono|para llamar|de (?:la )?l[ií]nea)\b|\btel[eé]fono de\b"),
        _re(r"\(?\b\d{3}\)?[-.\s]\d{3}[-.\s]\d{4}\b|\b1-8\d\d-\d{3}-\d{4}\b|\b911\b|\btext \d{5,6}\b"),
        "phones",
    ),
    # Added at stop 40: how long a sentence is ("how many years can you get for promoting prostitution", "the max
    # jail time"). A record that is "permanent" says how long a conviction follows a person, not how long the
    # sentence is: only a number of years, months or days answers it.
    FactKind(
        "sentence", N_("how long"),
        _re(rf"\bhow (?:many|much) (?:{_UNITS}|time) (?:in (?:jail|prison)|behind bars|(?:can|could|would|will|do|does|did|"
            rf"might|should) (?:you|i|u|someone|somebody|they|he|she|a person|people|one) "
            rf"(?:get|serve|do|face|spend|go away)\b)"
            rf"|\bhow (?:much|long (?:of a|a)?) (?:jail|prison) (?:time|sentence|term)\b"
            rf"|\bhow long (?:can|could|would|will|do|does|did|might) (?:you|i|u|someone|somebody|they|he|she|a person|"
            rf"people|one) (?:go|be|sit|stay|spend|get sent|get locked up) (?:to|in|away|behind)\b"
            rf"|\b(?:max|maximum|min|minimum|mandatory minimum|longest|shortest) (?:sentence|sentencing|jail time|"
            rf"prison time|prison term|jail term|time in (?:jail|prison))\b"
            rf"|\bcu[aá]ntos? (?:a[nñ]os|meses|tiempo) (?:de (?:c[aá]rcel|prisi[oó]n)|"
            rf"en (?:la )?(?:c[aá]rcel|prisi[oó]n))\b"),
        _re(rf"\b{_NUMBER_WORDS}\s*(?:-\s*)?{_UNITS}\b"),
        card_lines=("description", "eligibility"),
    ),
    FactKind(
        "duration", N_("how long"),
        _re(rf"\bhow (?:many|much) (?:{_UNITS}|time)\b|\bhow long (?:does|do|will|would|is|are|can|until|before|till|to"
            rf"|it|the|for|after|has|have|should)\b|\bstatute of limitations?\b"
            rf"|\bcu[aá]nto(?:s)? (?:tiempo|a[nñ]os|meses|d[ií]as)\b"
            rf"|\bcu[aá]nto (?:tarda|tardan|demora|demoran|dura|duran)\b"),
        _re(rf"\b{_NUMBER_WORDS}\s*(?:-\s*)?{_UNITS}\b|\bpermanent(?:ly)?\b|\bforever\b|\blifetime\b|\bsame[- ]day\b"),
        card_lines=("description", "eligibility"),
    ),
    FactKind(
        "frequency", N_("how often"),
        _re(r"\bhow often (?:should|do|does|can|must|to|is it|are you supposed)\b|\bcada cu[aá]nto\b"),
        _re(r"\bevery (?:\w+ )?(?:days?|weeks?|months?|years?|\d+|few|other)\b|\b(?:once|twice|\w+ times) (?:a|per|every)\b"
            r"|\b(?:annual(?:ly)?|yearly|daily|weekly|monthly)\b|\bcada (?:\w+ )?(?:d[ií]a|semana|mes|a[nñ]o)\b"),
    ),
    FactKind(
        # a count of people or events ("how many arrests were there in 2022"): the FAQ says where figures are
        # published, not the figures
        "count", N_("how many there are"),
        _re(r"\bhow many (?:\w+ )?(?:people|women|men|girls|boys|kids|children|minors|victims|survivors|arrests|"
            r"convictions|cases|sex workers|prostitutes|escorts|johns|traffickers|persons|reports)\b"
            r"|\b(?:the )?number of (?:people|women|victims|survivors|arrests|convictions|cases|sex workers|prostitutes|"
            r"reports)\b"
            r"|\bcu[aá]nt[oa]s (?:\w+ )?(?:personas|gente|mujeres|hombres|ni[nñ][oa]s|menores|v[ií]ctimas|sobrevivientes|"
            r"arrestos|condenas|casos|trabajadoras|prostitutas|reportes|denuncias)\b"
            r"|\b(?:el )?n[uú]mero de (?:personas|v[ií]ctimas|arrestos|casos|trabajadoras)\b"
            # a share of people is a figure too ("what percentage of people here have HIV")
            r"|\bwhat (?:percent|percentage|proportion|share|fraction)\b|\b(?:qu[eé]|q) (?:porcentaje|proporci[oó]n)\b"
            # a count of anything else ("how many beds", "cuántas dosis"); lengths of time are asked as a duration
            r"|\bhow many (?!times\b)\w+|\bcu[aá]nt[oa]s (?!veces\b)\w+"),
        _re(r"\b\d[\d,.]*\s*(?:%|percent|por ciento)|\b\d[\d,]*\s+(?:\w+\s+)?(?:people|women|men|girls|victims|survivors|"
            r"arrests|convictions|cases|persons|reports|personas|mujeres|v[ií]ctimas|arrestos|casos|denuncias)\b"),
        card_lines=("description", "eligibility"), not_when=_re(_SOURCE),
    ),
    FactKind(
        "age", N_("an age"),
        _re(r"\bhow old\b|\bwhat age\b|\bage of consent\b|\b(?:minimum|legal) age\b|\bage limit\b|\b(?:qu[eé]|q) edad\b"
            r"|\bedad (?:m[ií]nima|de consentimiento|legal)\b"),
        _re(r"\b(?:under|over|below|above|aged?)\s+\d{1,2}\b"
            r"|\b\d{1,2}\s*(?:years? old|-year-old|or older|and older|and up)\b"),
    ),
    FactKind(
        "year", N_("a year or date"),
        _re(r"\bwhat year\b|\bwhen (?:was|were|did)\b.*\b(?:passed|enacted|founded|created|established|signed|made|start|"
            r"started|begin|began)\b|\ben (?:qu[eé]|q) a[nñ]o\b"),
        _re(r"\b(?:1[89]|20)\d\d\b"),
    ),
    FactKind(
        "website", N_("a web address for that"),
        _re(r"\bweb ?sites?\b|\burl\b|\bweb address\b|\blink to\b|\bp[aá]gina (?:web|de internet)\b|\bsitio web\b"),
        _re(r"https?://|\bwww\.|\b[a-z0-9-]+\.(?:org|com|gov|net|edu|us)\b"),
        "url",
    ),
)


_STAFF = r"(?:director|directora|head|chief|ceo|president|founder|manager|boss|caseworker|case manager|jefe|jefa)"
KINDS += (
    # Added at stop 26: what people ask about a service that a directory rarely says. A card's cost
    # line speaks to paying, so it counts for insurance; for the others a card counts when its words
    # state the fact ("walk-ins welcome").
    FactKind(
        "insurance", N_("which insurance they take"),
        _re(r"\b(?:take|takes|accept|accepts|bill|bills|cover|covers|covered by) (?:my |\w+ )?"
            r"(?:insurance|husky|medicaid|medicare)\b|\b(?:insurance|husky|medicaid|medicare) (?:cover|covers|pay|pays)\b"
            r"|\b(?:aceptan|toman|cubre|acepta) (?:el |mi )?(?:seguro|husky|medicaid)\b"),
        _re(r"\binsurance\b|\bmedicaid\b|\bhusky\b|\buninsured\b|\bsliding[- ]scale\b|\bregardless of ability to pay\b"
            r"|\bseguro m[eé]dico\b"),
        "cost",
    ),
    FactKind(
        "appointment", N_("whether you need an appointment"),
        _re(r"\bwalk[- ]?ins?\b|\b(?:need|make|get|book|schedule) (?:an? )?appointments?\b"
            r"|\bappointment (?:needed|required)\b|\bsin cita\b|\b(?:necesito|hacer|sacar) (?:una )?cita\b"),
        _re(r"\bwalk[- ]?ins?\b|\bappointments?\b|\bsame[- ]day\b|\bsin cita\b"),
    ),
    FactKind(
        "id", N_("whether you need an ID"),
        _re(r"\b(?:need|bring|show|require|requires|required) (?:an? |my |any |a photo |photo |an official )?"
            r"(?:id|ids|identification|photo id|social security (?:number|card))\b"
            r"|\bwithout (?:an? |any )?(?:id|identification)\b"
            r"|\bno id\b|\bsin identificaci[oó]n\b|\bnecesito (?:una )?identificaci[oó]n\b"),
        _re(r"\b(?:no|without|photo) id\b|\bidentification\b|\banonymous(?:ly)?\b|\bidentificaci[oó]n\b"),
    ),
    # Added at stop 36: how to do something, step by step ("how do you give narcan, step by step"): a passage
    # that says where to get a thing or what it does is no set of instructions.
    FactKind(
        "instructions", N_("step-by-step instructions"),
        _re(r"\bstep[- ]by[- ]step\b|\bpaso a paso\b|\binstructions? (?:for|on|to|of)\b|\bwhat are the steps\b"
            r"|\bhow (?:do|does|should|would|can) (?:i|you|someone|one|we) (?:administer|inject)\b"
            r"|\bhow to (?:administer|inject)\b"
            r"|\binstrucciones (?:de|para)\b|\bc[oó]mo se (?:usa|aplica|administra|inyecta)\b"),
        _re(r"\bstep (?:1|one)\b|\bpaso (?:1|uno)\b|^\s*1[.)]\s|\bfirst,.{0,120}\bthen\b"),
        card_lines=(),
    ),
    FactKind(
        "staff", N_("the names of their staff"),
        _re(rf"\bwho (?:is|s|'s|are) (?:the |their |its )?(?:executive |current )?{_STAFF}\b"
            rf"|\bname of (?:the |their |its )?(?:\w+ ){{0,3}}{_STAFF}\b|\bwho runs\b|\bqui[eé]n (?:es el |es la |dirige)"),
        re.compile(r"\b(?:Director|Chief|CEO|President|Founder)\b,? (?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+"),
    ),
)


def asked(question: str) -> FactKind | None:
    """The kind of fact ``question`` asks for, or None when it asks for none in particular."""
    text = normalise(question)
    return next((kind for kind in KINDS
                 if kind.asks.search(text) and not (kind.not_when is not None and kind.not_when.search(text))), None)


def kind(name: str) -> FactKind:
    """The kind of fact called ``name`` (KeyError for none)."""
    for k in KINDS:
        if k.name == name:
            return k
    raise KeyError(name)
