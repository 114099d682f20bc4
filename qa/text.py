"""Text handling, in one place: normalisation, tokens for the lexical side, and whole-word phrase matchers.

Every module that compares a person's words with the corpus's goes through here, so "Narcan",
"narcan" and "ｎａｒｃａｎ" are the same word everywhere: in crisis rules, synonyms, service names and
BM25 alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

# bm25s's English stopwords, and the question words and pronouns that every question has
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset("""
a about an and are as at be been being but by can could do does doing for from get got had has have how
i if in into is it its me my of on or our so some than that the their them then there these they this
to u us was we were what when where which who whom why will with would you your im i'm
""".split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, compatibility forms folded (NFKC), straight apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """``normalise`` and accents dropped: "Policía", "policia" and "POLICÍA" are one word."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# Function words only one of the two languages has ("de", "que", "el" / "the", "is", "what")
_ONLY_SPANISH = frozenset(fold(w) for w in STOPWORDS_SPANISH) - STOPWORDS - frozenset(STOPWORDS_EN)
_ONLY_ENGLISH = STOPWORDS - frozenset(fold(w) for w in STOPWORDS_SPANISH)
_FOLDED_WORD = re.compile(r"[^\W\d_]+")


def language(text: str) -> str:
    """"es" when ``text`` has more Spanish-only function words than English-only ones, else "en"."""
    words = _FOLDED_WORD.findall(fold(text))
    spanish = sum(w in _ONLY_SPANISH for w in words)
    english = sum(w in _ONLY_ENGLISH for w in words)
    return "es" if spanish > english else "en"


def squeeze(text: str) -> str:
    """Canonical composition (NFC) and single spaces, case kept: how a question is shown back."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


# bm25s's Spanish stopwords without accents, and the short forms people text ("q", "pa", "xq")
STOPWORDS_ES = frozenset(fold(w) for w in STOPWORDS_SPANISH) | frozenset("""
q k pa xq pq porq tb tmb tambn toy ta nomas ahi aqui alli alla aca usted ustedes uno una hay puedo puede
""".split())
_STEMMERS = {"en": "english", "es": "spanish"}


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[lang])


def tokenise(text: str, lang: str = "en") -> list[str]:
    """Snowball-stemmed words of ``text`` without stopwords or one-letter words, for BM25.

    ``lang="es"``: accents dropped, Spanish stopwords, the Spanish Snowball stemmer ("arrestan",
    "arresto" and "arrestaron" are one word).
    """
    if lang == "es":
        words = [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS_ES and len(w) > 1]
    else:
        words = [w for w in _WORD.findall(normalise(text)) if w not in STOPWORDS and len(w) > 1]
    return list(_stemmer(lang).stemWords(words))


# A letter of a phrase matches its accented forms too, and an accented one its bare letter: Spanish
# is often typed without accents ("ya me escape", "todavia tiene mi pasaporte"), and a rule written
# "me escapé" must still hear it. Both the phrases and the text are read through one table that maps
# each accented letter to its bare one, letter for letter, so a match's offsets are the text's own.
# (Each letter as a class such as [eéèêë] did the same, but compiling the ~500 expressions of a corpus
# that way took most of a server's start: scripts/bench_start.py, docs/performance.md.)
_BARE = str.maketrans({accented: base for base, more in
                       (("a", "áàâä"), ("e", "éèêë"), ("i", "íìîï"), ("o", "óòôö"), ("u", "úùûü"), ("n", "ñ"), ("c", "ç"))
                       for accented in more})


def bare(text: str) -> str:
    """``text`` with each accented letter as its bare one, letter for letter (the same length)."""
    return text if text.isascii() else text.translate(_BARE)


_RUN = re.compile(r"\w+")


@lru_cache(maxsize=16)
def _runs(plain: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of ``plain`` (runs of word characters), and every start of each: a question is read by a
    few hundred matchers, through a handful of texts (its sentences, normalised or folded)."""
    words = frozenset(_RUN.findall(plain))
    return words, frozenset(w[:i] for w in words for i in range(1, len(w) + 1))


def _keys(phrase: str, prefix: bool) -> tuple[str, bool] | None:
    """The word a text must hold for ``phrase`` to be in it: the phrase's first run of word characters,
    and whether a text's word need only start with it (the phrase's last word, with ``prefix``); None:
    a phrase without one (it may be anywhere)."""
    m = _RUN.search(phrase)
    if m is None:
        return None
    return m.group(), prefix and m.end() == len(phrase)


@dataclass(frozen=True)
class PhraseMatcher:
    """Finds ``phrases`` (already normalised) in a normalised text, as whole words, in their listed order,
    with or without accents.

    ``prefix=True`` lets a phrase match the start of a longer word ("test" finds "testing"), as
    the service topics want; otherwise both ends must be word boundaries ("cant leave" does not
    match "cant leaves"). One expression for all the phrases is compiled when the matcher is made:
    most texts match no phrase, and one search says so (a search per phrase cost an answer about
    1.5 ms over the services' names and the synonyms); each phrase's own, at its first match.
    """

    phrases: tuple[str, ...]
    prefix: bool = False
    _regexes: tuple[re.Pattern[str], ...] | None = field(default=None, init=False, repr=False, compare=False)
    _any: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    # the words one of which a text must hold (whole, or at the start of one of its words) before the
    # expression is tried at all; None: any text may hold a phrase. Exact: a phrase's first word is
    # a whole word of the text wherever the phrase matches, as both ends of the match are boundaries.
    _whole: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _starts: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [k for p in self.phrases if (k := _keys(bare(p), self.prefix)) is not None]
        if len(keys) == len(self.phrases):
            object.__setattr__(self, "_whole", frozenset(word for word, start in keys if not start))
            object.__setattr__(self, "_starts", frozenset(word for word, start in keys if start))
        if self.phrases:
            # longest first only for readability: the tail after the group makes the engine try every
            # phrase at a position before it moves on, so a match anywhere is found whatever the order
            either = "|".join(re.escape(bare(p)) for p in sorted(set(self.phrases), key=len, reverse=True))
            object.__setattr__(self, "_any", re.compile(rf"(?<!\w)(?:{either}){self._tail}"))

    @property
    def _tail(self) -> str:
        return "" if self.prefix else r"(?!\w)"

    def _may_hold(self, plain: str) -> bool:
        """Whether ``plain`` holds a word some phrase starts with (a set lookup, where a search of the
        expression costs microseconds: most matchers find nothing in most texts)."""
        if self._whole is None:
            return True
        words, starts = _runs(plain)
        return not self._whole.isdisjoint(words) or (bool(self._starts) and not self._starts.isdisjoint(starts))

    def earliest(self, text: str) -> int | None:
        """Where the first occurrence of any phrase starts, or None."""
        plain = bare(text)
        m = self._any.search(plain) if self._any and self._may_hold(plain) else None
        return m.start() if m else None

    def first(self, text: str) -> str | None:
        """The words of ``text`` that the first phrase found (in listed order) matched, or None."""
        hit = next(self.matches(text), None)
        return hit[1] if hit else None

    def matches(self, text: str) -> Iterator[tuple[int, str]]:
        """(where it starts, the words of ``text`` it matched) for every occurrence of each phrase, phrase
        by phrase in listed order."""
        plain = bare(text)
        if self._any is None or not self._may_hold(plain) or self._any.search(plain) is None:
            return
        if self._regexes is None:  # compiled at the first text that holds a phrase: most matchers never see one
            object.__setattr__(self, "_regexes",
                               tuple(re.compile(rf"(?<!\w){re.escape(bare(p))}{self._tail}") for p in self.phrases))
        for regex in self._regexes or ():
            for m in regex.finditer(plain):
                yield m.start(), text[m.start():m.end()]

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def __iter__(self) -> Iterator[str]:
        return iter(self.phrases)


def matcher(phrases: Iterable[str], prefix: bool = False) -> PhraseMatcher:
    """A ``PhraseMatcher`` over ``phrases``, normalised first."""
    return PhraseMatcher(tuple(normalise(p) for p in phrases), prefix)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*|(?<=[a-z0-9])\s*[;:]\s+")


def sentences(text: str) -> list[str]:
    """The sentences of a person's message (split at . ! ? ; : and line breaks), without empty ones."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# A long sentence is cut at ", and" / "because" / "but" (and their Spanish), and where someone else
# becomes its subject: "and" / "or" / "so" or a comma before he, she or they ("... and he'll call ICE").
# Not before "i": "im tired and i want out" read alone raised emergencies for the tired (docs/safety.md).
_SUBJECT = r"(?:he|he's|hes|he'll|she|she's|shes|she'll|they|they're|theyre|they'll)"
# Spanish drops the subject: "... y no me deja salir", "... y me quita el dinero", "... y él dice"
_SUJETO = r"(?:no me|no nos|me|nos|él|el|ella|ellos|ellas)"
_CLAUSE = re.compile(r",\s+(?=(?:and|but|so|because|since|then|y|pero|porque)\b)|\s+(?:because|but|porque|pero)\s+"
                     rf"|(?:,|\s+(?:and|or|so))\s+(?={_SUBJECT}\b)|(?:,|\s+(?:y|o))\s+(?={_SUJETO}\b)")


def clauses(sentence: str) -> list[str]:
    """A long sentence cut at ", and" / "because" / "but" (and their Spanish), for reading it part by part."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
    return parts if len(parts) > 1 else [sentence]


def passages_of(message: str) -> list[str]:
    """What the crisis detector reads: each sentence of ``message`` and, for a long one, its clauses too."""
    out: list[str] = []
    for sentence in sentences(message) or [message]:
        out.append(sentence)
        cut = clauses(sentence)
        if len(cut) > 1:
            out += cut
    return list(dict.fromkeys(out))
