"""Correcting misspelt question words against the corpus's own vocabulary, before search.

"wat happens if i get cought selling", "how do i get narcn": people type fast on phones. A word is
corrected only when it is neither a word of the corpus (its passages, headings, synonyms, phrasings
and service names) nor a common English word (symspellpy's frequency dictionary), and a corpus word
lies within one edit (two for words of seven letters or more). Corrections go to the corpus's
words only, so a typo can only become a word the corpus could match, never a new topic. Of corpus words
equally close, one the typo is with letters left out wins ("wich" is "which", not the commoner "with").
Texting forms are written out first (``SHORTHAND``), letters-and-digits ones too ("sum1", "b4", "in2"),
and a plural made the regular way from a word in -y ("policys") becomes the corpus's -ies plural.
Street words of the field are written plain for search (``Speller.plain``: ``synonyms.yaml``'s ``plain`` map, "5-0"
is "police"). symspellpy does the lookup (the symmetric-delete algorithm); its English dictionary is read once per
process, as a set of known words.
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

from symspellpy import SymSpell, Verbosity

from qa.text import normalise

_WORD = re.compile(r"[^\W\d_]+")
# a token of letters and digits with a letter in it: "sum1", "b4", "2nite" are texting forms (SHORTHAND)
_TOKEN = re.compile(r"[^\W_]*[^\W\d_][^\W_]*")
MIN_LENGTH = 4  # shorter words are too often texting ("u", "r", "2nite") to correct safely
LONG_WORD = 7  # from this length a word may be two edits away
MIN_ENGLISH_COUNT = 50_000  # rarer entries of the frequency dictionary are mostly typos themselves
# English texting shorthand, written out before search: the words a phone keyboard saves, which neither the
# corpus nor the dictionary knows and no edit distance reaches ("wat", "cn", "ppl"). Only words that stand
# for one thing; an English word that is also shorthand ("wit", "dis") is left alone.
SHORTHAND = {
    "u": "you", "ya": "you", "ur": "your", "r": "are", "y": "why", "n": "and", "nd": "and",
    "wat": "what", "wut": "what", "wht": "what", "whut": "what", "cn": "can", "hw": "how",
    "wen": "when", "whn": "when", "wher": "where", "whr": "where", "bout": "about", "abt": "about",
    "btwn": "between", "bc": "because", "cuz": "because", "coz": "because", "becuz": "because",
    "tho": "though", "thru": "through", "pls": "please", "plz": "please", "ppl": "people",
    "dr": "doctor", "drs": "doctors", "bf": "boyfriend", "gf": "girlfriend", "diff": "difference",
    "govt": "government", "info": "information", "appt": "appointment", "msg": "message", "txt": "text",
    "rn": "right now", "idk": "i do not know", "wanna": "want to", "gonna": "going to", "gotta": "got to",
    "tryna": "trying to", "prolly": "probably", "kno": "know", "knw": "know", "dat": "that", "da": "the",
    "dem": "them", "sumthin": "something", "somethin": "something", "nothin": "nothing", "lil": "little",
    "alot": "a lot", "nite": "night", "tonite": "tonight", "tmrw": "tomorrow", "yall": "you all",
    "outta": "out of", "kinda": "kind of", "sorta": "sort of", "lotta": "lot of",
    "wud": "would", "wld": "would", "cud": "could", "cld": "could", "shud": "should", "shld": "should",
    "hav": "have", "tht": "that",
    # letters and digits, as a phone keyboard saves them ("2" or "4" alone may be a number, and stays)
    "sum1": "someone", "some1": "someone", "any1": "anyone", "ne1": "anyone", "every1": "everyone",
    "no1": "no one", "b4": "before", "in2": "into", "2day": "today", "2nite": "tonight", "2nyt": "tonight",
    "2moro": "tomorrow", "2morrow": "tomorrow", "l8r": "later", "gr8": "great", "w8": "wait", "h8": "hate",
}


@cache
def english_words() -> frozenset[str]:
    """Common English words (symspellpy's frequency dictionary, rare entries left out)."""
    path = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    words = (line.split() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w, count in words if int(count) >= MIN_ENGLISH_COUNT)


class Speller:
    """Corrects the words of a question that the corpus and English both do not know; ``plain``: (street words,
    plain words) pairs (``synonyms.yaml``), which ``plain`` writes out."""

    def __init__(self, texts: Iterable[str], plain: Iterable[tuple[str, str]] = ()):
        self._plain = dict(plain)
        either = "|".join(re.escape(street) for street in sorted(self._plain, key=len, reverse=True))
        # whole words: "5-0" is not read inside "15-0"
        self._street = re.compile(rf"(?<![\w-])(?:{either})(?![\w-])") if self._plain else None
        counts = Counter(w for t in texts for w in _WORD.findall(normalise(t)))
        self._corpus = frozenset(counts)
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= MIN_LENGTH - 1:
                self._symspell.create_dictionary_entry(word, count)

    def known(self, word: str) -> bool:
        return word in self._corpus or word in english_words()

    def corrections(self, question: str, lang: str = "en") -> dict[str, str]:
        """Misspelt word -> the corpus word it becomes, for each word of ``question`` that is corrected;
        in English, texting shorthand -> the words it stands for."""
        out: dict[str, str] = {}
        for word in _TOKEN.findall(normalise(question)):
            if lang == "en" and word in SHORTHAND:
                out[word] = SHORTHAND[word]
                continue
            if len(word) < MIN_LENGTH or word in out or self.known(word) or not word.isalpha():
                continue
            # a plural made the regular way from a word in -y ("policys", "agencys") is the corpus's -ies
            if word.endswith("ys") and word[-3] not in "aeiou" and (plural := word[:-2] + "ies") in self._corpus:
                out[word] = plural
                continue
            distance = 2 if len(word) >= LONG_WORD else 1
            found = self._symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
            if found:
                # of the corpus words equally close, one the typo is with letters left out ("wich" -> "which",
                # not "with"): a dropped letter is the commonest slip on a keyboard; then the most frequent
                out[word] = min(found, key=lambda s: (not _dropped_from(word, s.term), -s.count)).term
        return out

    def plain(self, question: str, lang: str = "en") -> str:
        """An English ``question`` normalised, with its street words written plain ("5-0 been doin stings" -> "police
        been doin stings"); ``question`` itself when it holds none, or is in another language."""
        if self._street is None or lang != "en":
            return question
        text = normalise(question)
        plain = self._street.sub(lambda m: self._plain[m.group()], text)
        return question if plain == text else plain

    def correct(self, question: str, lang: str = "en") -> str:
        """``question`` normalised, with its misspelt words replaced (``question`` itself when none is);
        ``lang``: the question's language (shorthand is written out in English only)."""
        fixes = self.corrections(question, lang)
        if not fixes:
            return question
        return _TOKEN.sub(lambda m: fixes.get(m.group(), m.group()), normalise(question))


def _dropped_from(typo: str, word: str) -> bool:
    """Whether ``typo`` is ``word`` with letters left out (in order)."""
    letters = iter(word)
    return len(typo) < len(word) and all(ch in letters for ch in typo)
