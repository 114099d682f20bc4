"""Crisis detection: whether a question signals danger, how urgent it is, and why.

Two layers, both auditable in ``corpus/safety.yaml``:

- **rules**: a rule fires when the normalised text contains one of its phrases (whole words) or
  matches one of its regular expressions, or the words of one of its triggers in a message that
  also holds what the trigger requires (a past cue, a person named, a minor's age);
- **signs** (the semantic layer): a logistic regression, trained at build time on the embeddings
  of the signs' example sentences against calm ones (informational questions, the FAQ's own
  sentences, alternate phrasings, out-of-scope questions), gives each sentence a probability of
  danger; at or above the threshold calibrated at build time, the sentence fires the rule of the
  danger sign whose example it comes closest to.

The signs of urgent rules (a person who got out, someone close at risk, wanting out) are read by a
**support** classifier of their own instead: when nothing else fired, a sentence at or above its
threshold raises an urgent banner. To the danger classifier their examples are what danger now is not.

A question is read sentence by sentence, so one danger sentence buried in a long message counts.
The level of a fired rule is then set by cues in the sentence that fired it: with no present cue
("right now", "he still"; an ongoing one, "every night", only in a message with no past cue), a
past cue ("last year", "I got away"), a worry cue ("I think she might...") or a general question
("what is the penalty for...") makes an emergency urgent, for the cues the rule lists in
``lowered_by``; a message with a past cue and no present cue anywhere is past in every sentence.
Below the emergency threshold a sentence is urgent unless it has a present cue. A message that says
it asks for study or about the news ("for my class") is read by the rules alone.
When nothing fired, the **message** classifier reads the question whole (trained at build time on the
labelled tune messages of the crisis and question sets): at or above its threshold, an urgent banner. It also
has a say on the danger layer: a sentence that layer alone reads as danger now raises an emergency only when
the message classifier gives the question at least ``CORROBORATION``; below, an urgent banner. So do the
**neighbours**, the crisis sets' labelled tune messages: when most of the question's nearest are everyday worries
(a bill, a locked phone, a child who will not sleep), what the danger layer alone read as danger now is urgent; when
all of them are, what only the semantic layers read (no rule's words) raises no banner.
The highest level wins; between equal levels, rules before signs and the first listed first. The
result names the rule, the words or example that fired it, and the score, so staff can see why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from qa.corpus.rules import LEVELS, NO_WORDS, Lang, Level, SafetyFile, SafetyRule
from qa.logistic import Logistic
from qa.records import Phone
from qa.text import PhraseMatcher, language, normalise, sentences, tokenise

# per sentence: the danger classifier's and the support classifier's (probability, closest example)
Scored = tuple[list[tuple[float, int]], list[tuple[float, int]]]
MIN_WORDS = 3  # words a sentence needs before the semantic layer may fire on it (rules fire on any)
# A sentence the danger layer alone reads as danger now raises an emergency only when the message classifier, which
# reads the question whole, gives it at least this probability; below it, an urgent banner (the same contacts, the
# answer left as ranked). Stop 46, on the tune halves: "is anybody doin anything bout y girls end up on the stroll"
# fired wanting-to-die, "my teenage son made an ugly joke about..." a minor exploited; the message read whole put them
# under 0.2. The highest cut that lowered no emergency of any crisis set's tune half, nor of four crisis writers left
# out of the classifier's training (both halves), was 0.2 (docs/safety.md, stop 46).
CORROBORATION = 0.2
# A question whose nearest labelled messages (NEIGHBOURS of them) hold at least EVERYDAY_NEIGHBOURS everyday worries
# (no danger) is not told as danger now by the danger layer alone: its emergency becomes an urgent banner. Stop 47:
# everyday worries typed in a panic ("help!! got a shutoff notice...", "mi laptop está muy lenta qué hago") came close
# to danger's examples for every classifier over this model, and a linear one trained on them could not tell them from
# danger; their nearest labelled messages could. With each crisis writer's messages compared only with other writers',
# on the tune halves, 2 of 3 lowered 10 of the everyday worries' 26 emergencies and no emergency of 1,824 danger
# messages; 1 of 3 lowered 20 and 6 real ones (docs/safety.md, stop 47).
NEIGHBOURS = 3
EVERYDAY_NEIGHBOURS = 2
# A question whose nearest labelled messages (NEIGHBOURS of them) hold CALM_NEIGHBOURS everyday worries, that is all of
# them, gets no banner from the semantic layers alone (a rule's words still raise one). Stop 49: most everyday worries
# ("my bank closed my account", "la app del banco no me deja entrar") still got an urgent banner; with each crisis
# writer's messages compared only with other writers', all 3 of 3 everyday took the banner from 30 of the tune halves'
# 111 such and 26 of the test halves' 98, and from no danger message of any set, either half; 2 of 3 took one from an
# emergency (docs/safety.md, stop 49).
CALM_NEIGHBOURS = 3
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class CrisisMatch:
    rule: SafetyRule
    matched: str  # the words that fired a rule, or the example sentence a sign's match came closest to
    level: Level  # after the cues
    lang: Lang = "en"  # the language of what fired it ("en" or "es"): the banner's language
    sign: str | None = None  # the danger sign, when the semantic layer fired
    score: float | None = None  # the semantic layer's score, when it fired
    whole: bool = False  # fired by the message classifier, which reads the question whole
    # why an emergency the danger layer read was lowered to urgent: "message" (the message classifier gave the question
    # under ``CORROBORATION``), "neighbours" (its nearest labelled messages are everyday worries); None: not so lowered
    lowered: Literal["message", "neighbours"] | None = None


@dataclass(frozen=True)
class Examples:
    """The embedded example sentences of the danger signs (rows of unit vectors)."""

    danger: np.ndarray  # (n, dimension)
    danger_text: tuple[str, ...]
    danger_sign: tuple[str, ...]
    danger_lang: tuple[Lang, ...]
    _by_signs: dict[frozenset[str] | None, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def closest(self, vectors: np.ndarray, k: int = 3, among: frozenset[str] | None = None) -> np.ndarray:
        """For each row of ``vectors``, the index of the closest danger example of the sign whose ``k``
        closest examples are closest on average (one lucky example does not choose the sign); -1 when
        there are no examples. ``among``: only these signs (None: every sign)."""
        members, counts = self._members(among)
        if not len(self.danger) or not len(members):
            return np.full(len(vectors), -1)
        sims = vectors @ self.danger.T
        # every sign's similarities side by side, a sign with fewer examples padded with -inf (the column
        # that index -1 picks): one sort for all signs rather than one per sign, on every question
        padded = np.concatenate([sims, np.full((len(sims), 1), -np.inf, dtype=sims.dtype)], axis=1)[:, members]
        top = -np.sort(-padded, axis=2)[:, :, :k]
        strength = np.where(np.isfinite(top), top, 0.0).sum(axis=2) / np.minimum(counts, k)
        best = np.argmax(strength, axis=1)  # the first of equal strengths, in sign order
        return np.asarray(members[best, np.argmax(padded[np.arange(len(sims)), best], axis=1)])

    def _members(self, among: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """The rows of each sign (in sign order) among ``among``, as a matrix padded with -1, and how many
        each sign has: worked out once per set of signs."""
        found = self._by_signs.get(among)
        if found is None:
            signs = sorted(s for s in set(self.danger_sign) if among is None or s in among)
            rows = [np.flatnonzero(np.asarray(self.danger_sign) == sign) for sign in signs]
            width = max((len(r) for r in rows), default=0)
            members = np.full((len(rows), width), -1, dtype=np.int64)
            for i, r in enumerate(rows):
                members[i, :len(r)] = r
            found = (members, np.asarray([len(r) for r in rows]))
            self._by_signs[among] = found
        return found


@dataclass(frozen=True)
class Neighbours:
    """Labelled messages (the crisis sets' tune halves, as searched): rows of unit vectors, and whether each is an
    everyday worry (else danger)."""

    vectors: np.ndarray  # (n, dimension)
    everyday: np.ndarray  # (n,) bool

    def like_everyday(self, vector: np.ndarray) -> bool:
        """Whether at least ``EVERYDAY_NEIGHBOURS`` of the ``NEIGHBOURS`` messages nearest ``vector`` (1, dimension)
        are everyday worries."""
        return self.everyday_near(vector) >= EVERYDAY_NEIGHBOURS

    def everyday_near(self, vector: np.ndarray) -> int:
        """How many of the ``NEIGHBOURS`` messages nearest ``vector`` (1, dimension) are everyday worries; 0 when there
        are too few messages, or no everyday worry, to say."""
        if len(self.vectors) < NEIGHBOURS or not self.everyday.any():
            return 0
        row = np.asarray(vector, dtype="float32").ravel()
        sims = self.vectors @ (row / (np.linalg.norm(row) or 1.0))
        nearest = np.argpartition(-sims, NEIGHBOURS - 1)[:NEIGHBOURS]
        return int(self.everyday[nearest].sum())


@dataclass(frozen=True)
class Layer:
    """The semantic layer's classifier and the thresholds it is held to for questions in one language."""

    classifier: Logistic
    threshold: float | None  # at or above: the sign's rule at its level; None: scores, never fires
    urgent_threshold: float | None = None  # at or above (and below threshold): an urgent banner at most
    # the support classifier (signs of urgent rules: after getting out, someone close) and its threshold:
    # at or above, an urgent banner for a sentence the danger classifier let pass
    support: Logistic | None = None
    support_threshold: float | None = None
    # the message classifier (the whole question's vector) and its threshold: at or above, an urgent banner for
    # a question nothing else fired on
    message: Logistic | None = None
    message_threshold: float | None = None

    @classmethod
    def from_manifest(cls, crisis: dict[str, Any]) -> Layer | None:
        classifier = Logistic.from_stored(crisis, "crisis layer")
        if classifier is None:
            return None
        support = crisis.get("support") or {}
        message = crisis.get("message") or {}
        return cls(classifier, crisis.get("threshold"), crisis.get("urgent_threshold"),
                   Logistic.from_stored(support, "crisis support classifier"), support.get("threshold"),
                   Logistic.from_stored(message, "crisis message classifier"), message.get("threshold"))


class Detector:
    """The crisis rules and signs of one corpus, with the semantic layer of each language.

    ``layers`` maps a question's language to its layer; "en" serves any language without its own.
    With the English model, what Spanish sentences share is mostly their language, so a Spanish
    question is held to thresholds calibrated on Spanish questions (qa.lifecycle.crisis_model).
    """

    def __init__(self, safety: SafetyFile, examples: Examples | None = None, layers: dict[str, Layer] | None = None,
                 everyday: PhraseMatcher = NO_WORDS, neighbours: Neighbours | None = None):
        self.safety = safety
        self.neighbours = neighbours
        self.examples = examples
        self.layers = dict(layers or {})
        # the words of everyday subjects the corpus does not cover (out_of_scope.yaml): a sentence that
        # names one is left to the rules (``speaks_of_danger``)
        self.everyday = everyday
        self.support_signs = support_signs(safety)
        self.danger_signs = frozenset(s.id for s in safety.signs) - self.support_signs
        # With the English model every Spanish sentence is somewhat close to every Spanish example
        # ("a qué hora juega uconn hoy" came closest to "todo lo que gano va a su cuenta"), so a
        # Spanish sentence is read by the semantic layer only when it shares a word (stemmed) with
        # the Spanish examples or the rules' Spanish phrases.
        self.spanish_words = frozenset(
            w for text in (*(x for sign in safety.signs for x in sign.examples_es),
                           *(x for r in safety.rules for x in (*r.phrases_es, *(y for t in r.also for y in t.phrases_es))))
            for w in tokenise(text, "es"))

    @classmethod
    def from_manifest(cls, safety: SafetyFile, examples: Examples | None, crisis: dict[str, Any],
                      everyday: PhraseMatcher = NO_WORDS, neighbours: Neighbours | None = None) -> Detector:
        # a language's entry holds its own thresholds; the classifier is the one trained for all
        layers = {"en": Layer.from_manifest(crisis)} | {
            lang: Layer.from_manifest(crisis | own) for lang, own in (crisis.get("languages") or {}).items()}
        return cls(safety, examples, {lang: layer for lang, layer in layers.items() if layer is not None}, everyday,
                   neighbours)

    def layer(self, lang: str = "en") -> Layer | None:
        """The semantic layer for questions in ``lang``."""
        return self.layers.get(lang) or self.layers.get("en")

    def semantic(self, lang: str = "en") -> bool:
        layer = self.layer(lang)
        return (self.examples is not None and layer is not None and layer.threshold is not None
                and len(self.examples.danger) > 0)

    def detect(self, question: str, parts: list[str], vectors: np.ndarray | None = None,
               scored: Scored | None = None, searched: np.ndarray | None = None,
               compared: np.ndarray | None = None) -> CrisisMatch | None:
        """The strongest danger signal in ``question``, read whole and as the sentences ``parts``.

        ``vectors`` are the embeddings of ``parts`` (for the semantic layer; None skips it). The
        question's language picks the semantic layer's thresholds. ``scored``: what ``scores`` and
        ``support`` give for ``vectors``, when already known (calibration tries many thresholds).
        ``searched``: the embedding of the question as it is searched (1, dimension), for the message
        classifier (None skips it). ``compared``: its embedding as the neighbours compare it (``Engine.compared``: a
        Spanish question's English translation; None: ``searched``).
        """
        lang = language(question)
        holds = self.safety.cues.holds(normalise(question))  # what a rule's triggers may require
        if vectors is not None and scored is None:
            scored = (self.scores(vectors, lang), self.support(vectors, lang))
        # A sign the message rules out ("my daughter is 20": no minor) never fires; the sentence it was
        # closest to speaks of danger all the same, so the next closest sign fires in its place, but
        # at most urgent: what it describes came closer to the barred sign than to its own.
        barred = self.barred(holds)
        capped = [False] * len(parts)
        if barred and vectors is not None and scored is not None and self.examples is not None:
            capped = [i >= 0 and self.examples.danger_sign[i] in barred for _, i in scored[0]]
            scored = (self.scores(vectors, lang, barred), scored[1])
        scores = scored[0] if scored is not None and self.semantic(lang) else [None] * len(parts)
        past = self.told_as_past(question)
        # a clause cut from a longer sentence ("... and he takes her phone") keeps that sentence's cues:
        # "i think", "what is the penalty", "two years ago" said before the cut still speak for it
        whole = sentences(question)
        within = {part: normalise(next((s for s in whole if part in s), part)) for part in parts}
        found = [m for part in parts if (m := self._rules(part, past, holds, within[part])) is not None]
        if not found:  # a pattern may span sentences; the cues are then read in the whole question
            found = [m for m in [self._rules(question, past, holds)] if m is not None]
        if self.for_study(question):  # a question for a class or about the news: the rules alone
            scored, scores = None, [None] * len(parts)
        # someone close said to want out (the urgent rule fired) by a writer who is not in the message and
        # says nothing of now ("friend wants to stop escorting but doesnt know where to start"): what the
        # semantic layer reads as danger is that person's wish to leave, urgent at most; a rule's own
        # phrases ("her pimp won't let her leave") still raise an emergency
        another = (any(m.rule.level == "urgent" for m in found) and all(m.level != "emergency" for m in found)
                   and "close" in holds and not holds & {"writer", "now"})
        # a message that says nobody forces the person ("nobody makes me, i just want out") tells of a wish to
        # leave: what the semantic layer reads as force is urgent at most, unless the message says danger now
        # in so many words or names a minor (a child paid for sex is exploited whatever is said of choice)
        chosen = "choice" in holds and not holds & {"minor", "now"}
        signs = [m if not (cap or another or chosen) else replace(m, level="urgent")
                 for part, score, cap in zip(parts, scores, capped, strict=True)
                 if score is not None and (m := self._sign(part, *score, lang=lang, past=past, holds=holds,
                                                            within=within[part]))]
        read_whole = self.whole(searched, lang) if searched is not None else None
        near = compared if compared is not None else searched
        everyday = self.neighbours.everyday_near(near) if near is not None and self.neighbours is not None else 0
        # the message read whole does not bear the sentence out, or reads like the labelled everyday worries
        if any(m.level == "emergency" for m in signs):
            lowered: Literal["message", "neighbours"] | None = (
                "message" if read_whole is not None and read_whole < CORROBORATION else
                "neighbours" if everyday >= EVERYDAY_NEIGHBOURS else None)
            if lowered:
                signs = [replace(m, level="urgent", lowered=lowered) if m.level == "emergency" else m for m in signs]
        found += signs
        if not found and scored is not None:
            found = [m for part, support in zip(parts, scored[1], strict=True)
                     if (m := self._support(part, *support, lang=lang))]
        if not found and searched is not None and read_whole is not None and scored is not None:
            found = [m for m in [self._message(question, searched, read_whole, lang)] if m is not None]
        # only the semantic layers read danger in it, at most urgent, and its nearest labelled messages are all
        # everyday worries: no banner
        if not found or (everyday >= CALM_NEIGHBOURS and all(m.sign is not None and m.level == "urgent" for m in found)):
            return None
        return min(found, key=lambda m: LEVELS.index(m.level))  # min keeps the first of equal levels

    def scores(self, vectors: np.ndarray, lang: str = "en", barred: frozenset[str] = frozenset()
               ) -> list[tuple[float, int]]:
        """The semantic layer's (probability of danger, closest example of a danger sign not ``barred``)
        for each row of ``vectors``."""
        layer = self.layer(lang)
        if self.examples is None or layer is None or not len(vectors):
            return [(-1.0, -1)] * len(vectors)
        probability = layer.classifier.probabilities(vectors)
        closest = self.examples.closest(vectors, among=self.danger_signs - barred)
        return [(float(p), int(i)) for p, i in zip(probability, closest, strict=True)]

    def barred(self, holds: frozenset[str]) -> frozenset[str]:
        """The signs a message that ``holds`` these conditions rules out (``DangerSign.not_when``)."""
        return frozenset(s.id for s in self.safety.signs if s.not_when and holds.issuperset(s.not_when))

    def support(self, vectors: np.ndarray, lang: str = "en") -> list[tuple[float, int]]:
        """The support classifier's (probability, closest example of a support sign) for each row."""
        layer = self.layer(lang)
        if self.examples is None or layer is None or layer.support is None or not len(vectors):
            return [(-1.0, -1)] * len(vectors)
        probability = layer.support.probabilities(vectors)
        closest = self.examples.closest(vectors, among=self.support_signs)
        return [(float(p), int(i)) for p, i in zip(probability, closest, strict=True)]

    def _support(self, text: str, score: float, example: int, lang: str = "en") -> CrisisMatch | None:
        layer = self.layer(lang)
        cut = layer.support_threshold if layer is not None else None
        if self.examples is None or cut is None or score < cut or example < 0 or len(_WORD.findall(text)) < MIN_WORDS:
            return None
        if not self.speaks_of_danger(text, lang):
            return None
        return self._urgent(example, score)

    def whole(self, searched: np.ndarray, lang: str = "en") -> float | None:
        """The message classifier's probability that the question (its vector ``searched``, as searched) tells of
        danger; None when the index has no message classifier."""
        layer = self.layer(lang)
        return None if layer is None or layer.message is None else layer.message.probability(searched)

    def _message(self, question: str, searched: np.ndarray, score: float, lang: str = "en") -> CrisisMatch | None:
        """An urgent banner when the message classifier puts ``question`` (its vector ``searched``; ``score``, its
        probability, ``whole``) at or above its threshold; it shows the rule of the support sign whose example the
        question comes closest to."""
        layer = self.layer(lang)
        if (self.examples is None or layer is None or layer.message is None or layer.message_threshold is None
                or len(_WORD.findall(question)) < MIN_WORDS or not self.speaks_of_danger(question, lang)):
            return None
        example = int(self.examples.closest(searched, among=self.support_signs)[0])
        if score < layer.message_threshold or example < 0:
            return None
        return self._urgent(example, score, whole=True)

    def _urgent(self, example: int, score: float, whole: bool = False) -> CrisisMatch:
        """The urgent banner of the rule of the sign whose ``example`` (a row of ``examples``) a support or message
        classifier's ``score`` came closest to; ``whole``: the message classifier's."""
        assert self.examples is not None  # the callers return first without examples
        sign = self.examples.danger_sign[example]
        rule = self.safety.rule(next(s.rule for s in self.safety.signs if s.id == sign))
        return CrisisMatch(rule, self.examples.danger_text[example], "urgent", self.examples.danger_lang[example], sign,
                           round(score, 4), whole=whole)

    def speaks_of_danger(self, sentence: str, lang: str) -> bool:
        """Whether the semantic layer may read ``sentence``: one that names no everyday subject
        (``everyday``), and, in Spanish, shares a word with the Spanish examples or phrases
        (``spanish_words``)."""
        if self.everyday and self.everyday.earliest(normalise(sentence)) is not None:
            return False
        return lang != "es" or not self.spanish_words or bool(self.spanish_words.intersection(tokenise(sentence, "es")))

    def for_study(self, question: str) -> bool:
        """Whether the message says it asks for study or about the news ("it's for my criminal law
        class") and says nothing of danger now: the example sentences then do not speak for it, as a
        student's question uses the very words of danger; a rule's own phrases still fire."""
        norm = normalise(question)
        cues = self.safety.cues
        return cues.is_study(norm) and cues.present.first(norm) is None

    def told_as_past(self, question: str) -> bool:
        """Whether the whole message is told as over: a past cue ("two years ago", "I got out") and no
        present one anywhere in it (an ongoing one, "every night", does not count). Each of its sentences
        is then read as past, so "I still can't sleep" after "I left three years ago" is not danger now."""
        norm = normalise(question)
        cues = self.safety.cues
        return cues.is_past(norm) and cues.present.first(norm) is None

    def _rules(self, text: str, past: bool = False, holds: frozenset[str] = frozenset(),
               within: str = "") -> CrisisMatch | None:
        """The rule that fires for ``text`` at the highest level after the cues (file order between equals);
        ``past``: the message it is part of is told as past; ``holds``: the conditions the message
        holds, for the rules' triggers (``Cues.holds``)."""
        norm = normalise(text)
        found = [CrisisMatch(rule, hit[0], self.level(rule, norm, past, hit[1], holds, within), hit[1])
                 for rule in self.safety.rules if (hit := rule.hit_in(norm, holds)) is not None]
        return min(found, key=lambda m: LEVELS.index(m.level)) if found else None

    def _sign(self, text: str, score: float, example: int, lang: str = "en", past: bool = False,
              holds: frozenset[str] = frozenset(), within: str = "") -> CrisisMatch | None:
        layer = self.layer(lang)
        high = layer.threshold if layer is not None else None
        low = layer.urgent_threshold if layer is not None and layer.urgent_threshold is not None else high
        if self.examples is None or high is None or low is None or score < low or example < 0:
            return None
        if len(_WORD.findall(text)) < MIN_WORDS:  # "xxxx" or "help!" says too little for a model to read
            return None
        if not self.speaks_of_danger(text, lang):
            return None
        sign = self.examples.danger_sign[example]
        danger = next(s for s in self.safety.signs if s.id == sign)
        rule = self.safety.rule(danger.rule)
        norm = normalise(text)
        # below the emergency threshold a sentence says danger now only in so many words ("right now"),
        # or beside what the sign lists (a child named, for a minor exploited)
        now = (score >= high or self.safety.cues.says_now(norm, past)
               or bool(danger.now_when) and holds.issuperset(danger.now_when))
        level = self.level(rule, norm, past, lang, holds, within) if now else "urgent"
        if (level == "emergency" and danger.emergency_when and not holds.issuperset(danger.emergency_when)
                and not self.safety.cues.says_now(norm, past)):
            level = "urgent"
        return CrisisMatch(rule, self.examples.danger_text[example], level, self.examples.danger_lang[example], sign,
                           round(score, 4))

    def level(self, rule: SafetyRule, sentence: str, past: bool = False, lang: str = "en",
              holds: frozenset[str] = frozenset(), within: str = "") -> Level:
        """The level ``rule`` gets for a normalised ``sentence`` in ``lang``, after the cues; ``past``: the
        message it is part of is told as past; ``holds``: what the message holds (``Cues.holds``), as a
        sentence told in the past tense in a message that says "right now" is no story of the past;
        ``within``: the normalised sentence a clause was cut from, whose present, past, worry and general
        cues count for the clause too (the past tense is the clause's own): "got away from him last spring"
        is danger now when its sentence goes on "and he is parked outside right now"."""
        if rule.level != "emergency":
            return rule.level
        cues = self.safety.cues
        context = [sentence, within] if within and within != sentence else [sentence]
        if cues.says_now(sentence, past) or (len(context) > 1 and cues.present.first(within) is not None):
            return "emergency"
        lowering: dict[str, Callable[[str], bool]] = {
                    "past": lambda s: past or any(cues.is_past(c) for c in context),
                    # a worry said anywhere in the message speaks for a sentence about someone else ("she
                    # always has bruises. i'm worried"), not for one in which the writer is the one hurt
                    "worry": lambda s: any(cues.worry.first(c) is not None for c in context)
                    or ("worry" in holds and cues.writer.first(s) is None),
                    "general": lambda s: any(cues.is_general(c) or ("writer" not in holds and cues.hypothetical.first(c))
                                             for c in context),
                    "tense": lambda s: lang == "en" and "now" not in holds and cues.told_in_past(s)}
        return "urgent" if any(lowering[cue](sentence) for cue in rule.lowered_by) else "emergency"

    def fears_police(self, question: str) -> bool:
        """Whether the question says the person fears police, arrest or deportation."""
        return self.safety.police_fear.phrases.first(normalise(question)) is not None


def support_signs(safety: SafetyFile) -> frozenset[str]:
    """The signs of urgent rules (after getting out, someone close, wanting out): read by the support
    classifier, never by the danger one, whose examples are danger now."""
    return frozenset(s.id for s in safety.signs if safety.rule(s.rule).level == "urgent")


def emergency_contacts(rules: tuple[SafetyRule, ...]) -> list[Phone]:
    """The numbers the emergency rules state (911), once each, for the footer of every page."""
    contacts: dict[str, Phone] = {}
    for rule in rules:
        if rule.level == "emergency":
            for phone in rule.contacts:
                contacts.setdefault(phone.number, Phone(number=phone.number, kind=phone.kind))
    return list(contacts.values())
