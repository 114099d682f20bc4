"""Answering a question: the one function every page, script and test goes through.

``Engine(version, encoder).answer(question)`` returns an ``Answer``: passages quoted word for word
with their citations and best sentence, whether the corpus answers the question at all (a
calibrated rule stored in the index manifest), the service cards that fit, and the crisis banner.
``Engine.trace`` returns everything behind that answer, for staff and for evaluation.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import numpy as np

from qa.answering import facts
from qa.answering.cards import arrange, choose_cards, fallback_cards
from qa.answering.crisis import CrisisMatch, Detector, Examples, Neighbours
from qa.answering.scope import Scope
from qa.config import default
from qa.corpus.rules import PassageRef
from qa.encoder import Encoder
from qa.errors import IndexCorruptError, QuestionError
from qa.i18n import N_, gettext
from qa.index.format import REBUILD, Version
from qa.records import Answer, Citation, Gap, Highlight, IndexInfo, Passage, Phone, Safety
from qa.retrieval.confidence import AnsweredRule
from qa.retrieval.coverage import CoverageModel
from qa.retrieval.person import first_person, whose
from qa.retrieval.search import Candidate, Ranking, Searcher
from qa.text import language, matcher, normalise, passages_of, sentences, squeeze
from qa.translation import Translator, shared

log = logging.getLogger("qa.answering.engine")

MAX_QUESTION_CHARS: int = default("max_question_chars")
TOP_K: int = default("default_top_k")
SCREEN_CHARS = 5000  # how much of a refused question is still read for danger signs
SCREEN_SENTENCES = 60  # and how many of its sentences are embedded for the semantic layer
RELATED = 3  # closest passages offered as "might be related" when nothing answers
# Passages after the first lead only within this much cosine of the first's. On the tune splits of
# questions.yaml and wording.yaml (answered, no crisis banner), 16 of the 24 later passages labelled as
# answers lead and 49 of the 240 others (scripts/measure_leads.py, docs/web.md). The rest are folded.
LEAD_GAP = 0.075
# A Spanish question's passages sit closer together (the model is English): at 0.075, 32 of the 55
# later passages that are not answers led on spanish.yaml's tune split; at 0.04, 21, and the same 4 of
# 5 answers still lead (scripts/measure_leads.py --lang es).
LEAD_GAPS = {"es": 0.04}
EXCERPT_NEIGHBOURS = 1  # sentences shown on each side of the best one before the rest is folded
# ...while the excerpt stays within this many characters (about six lines on a 360 px phone): a long
# neighbour is left to "the whole paragraph" rather than pushing the help below the first screens
EXCERPT_CHARS = 300
# chunks a trace ranks in full (the rest of the corpus is never made into records): at least the most
# passages an answer shows (default_top_k is at most 10) and the ten the evaluation reads
CANDIDATES = 20
# An English question is also searched as what it asks, told of the writer (``_asked``, qa.retrieval.person), its
# vector added at this weight: on the tune halves, at 1.0 a question fell from first to fourth, and at 0.3 two
# of the six that rose at 0.5 did not (docs/quality.md, stop 36).
READING_WEIGHT = 0.5
# A message of this many sentences or more is also searched by its sentences that ask: at two, short questions
# lost the sentence that says what they are about (tune halves: 6 up, 5 down against 4 up, 1 down at three).
LONG_MESSAGE = 3
FACT_PASSAGES = 1  # the passages shown first, which must hold the kind of fact a question asks for
SAFETY_WHY_EMERGENCY = N_("Shown first because your question may mean you are in danger")
SAFETY_WHY_URGENT = N_("Shown first because it can help you talk this through, confidentially")
PLACE_GAP = N_("Our information covers {jurisdiction}. It does not cover {place}, so what it says may not apply there.")
TOPIC_GAP = N_("Our information does not cover {topic}.")
FACT_GAP = N_("Our information does not list {missing}.")
FACT_GAP_NAMED = N_("Our information does not list {missing} for {services}.")


# What clean_question accepts, said as JSON Schema for the API's OpenAPI document. "Not only
# spaces" is spelt out character by character (Python's \s, less the control characters refused
# anyway) because JSON Schema's regex dialects disagree on what \s holds.
_CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SPACE_CLASS = r"\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = re.compile(f"[{_CONTROL_CLASS}\\ud800-\\udfff]")  # and lone surrogates


def question_schema(max_chars: int = MAX_QUESTION_CHARS) -> dict[str, object]:
    """The JSON Schema of a question that ``clean_question(q, max_chars, exact=True)`` accepts."""
    return {"type": "string", "minLength": 1, "maxLength": max_chars,
            "pattern": f"[^{_CONTROL_CLASS}{_SPACE_CLASS}]", "not": {"pattern": f"[{_CONTROL_CLASS}]"}}


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS, exact: bool = False) -> str:
    """Trim and normalise whitespace; QuestionError when empty, too long or holding control characters.

    The length counted is the text's after trimming (a browser's form sends a line break as two
    characters); with ``exact`` it is the text as sent, as the API's schema says.
    """
    if not isinstance(question, str):
        raise QuestionError(N_("the question must be text"))
    if _CONTROL.search(question):
        raise QuestionError(N_("the question contains control characters; please type it again"))
    text = squeeze(question)
    if not text:
        raise QuestionError(N_("please type a question"))
    length = len(question) if exact else len(text)
    if length > max_chars:
        raise QuestionError(N_("please keep the question under {max_chars} characters (it has {length})"),
                            max_chars=max_chars, length=length)
    return text


@dataclass(frozen=True)
class Trace:
    """Everything behind one answer."""

    question: str
    ranking: Ranking
    answered: bool
    confidence: float
    rule: AnsweredRule
    safety: CrisisMatch | None
    crisis_score: float = -1.0  # the semantic crisis layer's score (-1: not measured)
    gap: Gap | None = None  # a place the corpus does not cover, or a kind of fact nothing shown holds
    lang: str = "en"  # the question's language ("en" or "es"), which picks the answered threshold
    # for a Spanish question, its English translation and the English words of its lexicon terms: searched
    # beside it (the vector of both is added to the question's; the translation's words are searched too)
    gloss: str = ""
    covered: float | None = None  # the coverage model's probability that the corpus covers the question
    # the words searched: misspelt ones corrected, street words written plain ("5-0" is "police"); "" when the
    # question was searched as it was written
    searched: str = ""


@dataclass(frozen=True)
class _Reading:
    """A question as it is searched (``Engine._read``)."""

    parts: list[str]  # its sentences
    lang: str
    query: str  # misspelt words corrected, street words written plain
    english: str  # a Spanish question's translation ("" for English)
    gloss: str  # what is searched beside it: the translation and lexicon words, or the first-person reading
    reading: str  # an English question's first-person reading of what it asks ("" when none)
    vectors: np.ndarray  # the query's, the gloss's, then each sentence's when they differ from the query
    query_vector: np.ndarray  # (1, dimension): what the dense side searches with
    part_vectors: np.ndarray  # each sentence's, for the crisis detector
    english_vector: np.ndarray | None = None  # a Spanish question's translation alone (None for English)
    searched_vector: np.ndarray | None = None  # the question with its street words as written (None: the query's)

    def judged_alone(self) -> list[np.ndarray]:
        """The vectors whose rankings alone may raise the confidence of the sum's, each (1, dimension).

        An English question with a reading: the question as asked, as the sum of two vectors scores lower against
        every passage than either alone and turned away questions that the ranking had right. A Spanish question:
        its translation, as with the English model the Spanish words bring it close to every Spanish out-of-scope
        question of its form ("¿dónde ... en Willimantic?"), and "¿dónde me puedo hacer la prueba del VIH en
        Willimantic?" fell below a threshold calibrated on every Spanish tune half (stop 42, docs/quality.md).
        """
        return [*([self.vectors[:1]] if self.reading else []),
                *([self.english_vector] if self.english_vector is not None else [])]


class Engine:
    """A loaded index version and the model, ready to answer. ``translator``: what reads a Spanish
    question in English (None: this process's, ``qa.translation.shared``)."""

    def __init__(self, version: Version, encoder: Encoder, max_question_chars: int = MAX_QUESTION_CHARS,
                 translator: Translator | None = None):
        self.version = version
        self.encoder = encoder
        self.translator = translator if translator is not None else shared()
        spanish = ((version.manifest.get("calibration") or {}).get("languages") or {}).get("es") or {}
        if spanish.get("translation", self.translator.identity) != self.translator.identity:
            log.warning("index version %s calibrated Spanish questions read with %r, served with %r", version.id,
                        spanish["translation"] or "no translation", self.translator.identity or "no translation")
        self.searcher = Searcher(version, encoder)
        self.rule = AnsweredRule.from_manifest(version.manifest)
        self.coverage = CoverageModel.from_manifest(version.manifest)
        crisis = version.manifest.get("crisis") or {}
        everyday = matcher([w for t in version.corpus.topics if t.everyday for w in t.matcher])  # words and plurals
        neighbours = Neighbours(*version.messages) if version.messages is not None else None
        self.detector = Detector.from_manifest(version.corpus.safety, crisis_examples(version), crisis, everyday,
                                               neighbours)
        # a model that reads vectors of another size would fail on the first question: refuse the version now
        layers = self.detector.layers.items()
        models = [("coverage model", self.coverage),
                  *((f"crisis {name} ({lang})", model) for lang, layer in layers
                    for name, model in (("layer", layer.classifier), ("support classifier", layer.support),
                                        ("message classifier", layer.message)))]
        for name, model in models:
            if model is not None and model.weights.shape[0] != version.vectors.d:
                raise IndexCorruptError(f"index version {version.id}: its {name} reads vectors of dimension "
                                        f"{model.weights.shape[0]}, its keys have {version.vectors.d} - {REBUILD}")
        self.max_question_chars = max_question_chars
        documents = version.corpus.originals
        self.jurisdiction = documents[0].jurisdiction if documents else ""
        self.scope = Scope("\n".join(d.jurisdiction for d in documents), "\n".join(d.text for d in documents),
                           version.manifest.get("cities"))

    @property
    def info(self) -> IndexInfo:
        return IndexInfo(version=self.version.id, built_at=self.version.built_at)

    def trace(self, question: str, mode: str = "hybrid", exact: bool = False, limit: int | None = CANDIDATES,
              ranks: bool = False, held_out: float | None = None) -> Trace:
        """Everything behind the answer to ``question``; ``exact``: its length is counted as sent;
        ``limit``: how many chunks its ranking holds (None: every chunk); ``ranks``: each candidate's
        rank on either side too (``Searcher.search``; the staff check shows them); ``held_out``: the coverage
        probability to use in place of the model's (the build's calibration, ``qa.retrieval.coverage``)."""
        with self.encoder.answering():  # a question answered alone may have the idle cores (qa.onnxmodel)
            return self._trace(question, mode, exact, limit, ranks, held_out)

    def _trace(self, question: str, mode: str, exact: bool, limit: int | None, ranks: bool,
               held_out: float | None = None) -> Trace:
        try:
            text = clean_question(question, self.max_question_chars, exact)
        except QuestionError as e:
            # Refused, but a person in danger who typed too much must still see the banner.
            if isinstance(question, str):
                screened = squeeze(_CONTROL.sub(" ", question[:SCREEN_CHARS]))
                parts = passages_of(screened)[:SCREEN_SENTENCES]
                vectors = self.encoder.encode(parts) if parts else None
                e.safety = self._safety(self.detector.detect(screened, parts, vectors), screened)
            raise
        read = self._read(text)
        parts, lang, query, part_vectors = read.parts, read.lang, read.query, read.part_vectors
        # the semantic layer's scores of each sentence, once: the banner and the staff's crisis score read them
        scored = (self.detector.scores(part_vectors, lang), self.detector.support(part_vectors, lang))
        searched = read.searched_vector if read.searched_vector is not None else read.vectors[:1]
        safety = self.detector.detect(text, parts, part_vectors, scored, searched=searched,
                                      compared=read.english_vector if read.english_vector is not None else searched)
        # danger now: the passages on help lead; an urgent banner leaves the answer as ranked
        pinned = safety.rule.passages if safety and safety.level == "emergency" else ()
        at = [i for r in pinned for i in self.searcher.positions(*r.place)]
        ranking = self.searcher.search(query, mode=mode, query_vector=read.query_vector, limit=limit, include=at,
                                       ranks=ranks, english=read.english)
        # how sure the coverage model is that the corpus covers the question at all (None: no model); at build
        # time, a calibration question's ``held_out`` probability, from a model not trained on it. A question
        # with a reading counts the higher of its two vectors', so that the reading never lowers the confidence.
        covered = held_out
        if covered is None and self.coverage is not None:
            covered = self.coverage.probability(read.query_vector)
            if read.reading:
                covered = max(covered, self.coverage.probability(read.vectors[:1]))
        confidence = self.rule.confidence(ranking, text, covered)
        # the sum of two readings orders the passages; whether the corpus answers at all is judged on each alone too
        for vector in read.judged_alone():
            alone = self.searcher.search(query, mode=mode, query_vector=vector, limit=limit, include=at, ranks=False,
                                         english=read.english)
            confidence = max(confidence, self.rule.confidence(alone, text, covered))
        crisis_score = max((s for s, _ in scored[0]), default=-1.0)
        if pinned and safety is not None:
            # a rule's words in a message about the writer's own danger put its passages first; a sentence that
            # only came close to a danger sign's examples, or a message about someone else's danger, puts them
            # second, under the question's own best passage: the banner above shows the contacts either way, a
            # false alarm on "y dont working girls go 2 the dr" no longer hides its answer, and "my aunt owes her
            # pimp thousands and can't leave, is that trafficking" is answered first (stop 42: on the tune halves,
            # hit@1 of the third-person questions that raise an emergency was 46%)
            ranking = _pin(ranking, pinned, after=0 if self._leads(safety, text) else 1)
        # A question that signals danger is answered with the passages on help, whatever the score. One
        # that signals worry (an urgent banner) in a rule's words is never turned away for a place, since "a
        # modeling job in NY" is about a person here; but a subject or a kind of fact the corpus does not hold
        # is still said to be missing, under the banner's contacts (stop 39: an urgent banner had hidden "not
        # covered" from near-topic questions). A worry the semantic layers only came close to does not make the
        # place here: "my cousin in the Dominican Republic says selling sex is legal over there" came close to
        # self-harm (stop 51). Any other question about a place, a subject or a fact the corpus does not hold
        # is not answered.
        emergency = safety is not None and safety.level == "emergency"
        gap = None if emergency else self._gap(text, ranking, banner=safety is not None,
                                               here=safety is not None and safety.sign is None)
        answered = (self.rule.accepts(confidence, lang) and gap is None) or emergency
        return Trace(text, ranking, answered, confidence, self.rule, safety, round(crisis_score, 4), gap, lang, read.gloss,
                     None if covered is None else round(covered, 4), query if query != text else "")

    def _leads(self, match: CrisisMatch, text: str) -> bool:
        """Whether the passages of ``match``'s rule go before the question's own best passage: a rule's words (not
        the semantic layer's closeness), in a message that names its writer ("I", "me", "we") unless the words name
        someone else as the one in danger ("makes her see men"), or unless the rule's passages lead for anyone."""
        if match.sign is not None:
            return False
        if match.rule.leads_for == "anyone":
            return True
        message = normalise(text)
        # a writer who says "I" tells of someone else's danger too: "I'm a hospital social worker. A patient
        # disclosed that she is being trafficked" (stop 51). Words that name the writer ("my pimp") do not make a
        # message lead that names no "I": "my" names whose, not who (corpus/safety.yaml's writer cue)
        if match.lang == "en" and whose(message, match.matched) == "someone":
            return False
        return self.detector.safety.cues.writer.first(message) is not None

    def _read(self, text: str) -> _Reading:
        """``text`` (a cleaned question) as it is searched: its sentences, language, spelling-corrected query, the
        readings beside it, and their vectors, from one call to the model."""
        parts = passages_of(text)
        lang = language(text)
        # what the crisis detector compares with its labelled messages: misspelt words corrected (``searched``)
        searched = self.searcher.speller.correct(text, lang)
        # what is searched: street words written plain too ("5-0" is "police"; synonyms.yaml), which the model does
        # not know. The crisis detector reads them as written: its message classifier and neighbours learnt from
        # messages as written, and read plain, two older third-person danger messages lost their banner (stop 50)
        query = self.searcher.speller.plain(searched, lang)
        # A Spanish question is also read in English: its translation (qa.translation), and the FAQ's words
        # its lexicon terms stand for. The English model places "where can I get the test of hiv" and
        # "testing test hiv" near the passage far better than the Spanish, and the sum of both vectors
        # keeps what the Spanish phrasings match.
        english = self.translator.english(text) if lang == "es" else ""
        # An English question is also read (``reading``) as what it asks, told of the writer: a long message by
        # its sentences that ask (those with a question mark, or the last), and a question about someone else
        # ("my daughter got picked up ... what could she be facing") in the first person (qa.retrieval.person),
        # as the FAQ speaks to the person concerned.
        gloss = " ".join(filter(None, (english, self.searcher.lexical.gloss(text))))
        asked = _asked(query) if lang == "en" and not gloss else ""
        reading = first_person(asked or query) or asked if lang == "en" and not gloss else ""
        gloss = gloss or reading
        own = len(parts) > 1 or query != text  # the sentences need vectors of their own
        as_written = [searched] if query != searched else []
        # one call to the model: the query, its gloss, the sentences when they differ from the query, and the
        # question with its street words as written when they were written plain
        vectors = self.encoder.encode([query, *([gloss] if gloss else []), *([english] if english else []),
                                       *(parts if own else []), *as_written])
        query_vector = vectors[:1]
        if gloss:
            both = vectors[0] + (READING_WEIGHT if reading else 1.0) * vectors[1]
            query_vector = (both / np.linalg.norm(both))[None, :].astype("float32")
        after = 1 + bool(gloss) + bool(english)
        part_vectors = vectors[after:after + len(parts)] if own else vectors[:1]
        english_vector = vectors[after - 1:after] if english else None
        return _Reading(parts, lang, query, english, gloss, reading, vectors, query_vector, part_vectors, english_vector,
                        vectors[-1:] if as_written else None)

    def searched(self, questions: list[str]) -> list[str]:
        """Each of ``questions`` as the crisis detector reads it (cleaned, misspelt words corrected, street words as
        written): what the message classifier reads, embedded."""
        return [self.searcher.speller.correct(text, language(text))
                for text in (clean_question(q, self.max_question_chars) for q in questions)]

    def compared(self, questions: list[str]) -> list[str]:
        """Each of ``questions`` as the crisis detector's neighbours compare it: as searched, a Spanish one in its
        English translation (when the translator gives one), since with the English model Spanish messages sit
        near each other whatever they tell."""
        out = []
        for text, searched in zip((clean_question(q, self.max_question_chars) for q in questions),
                                  self.searched(questions), strict=True):
            english = self.translator.english(text) if language(text) == "es" else ""
            out.append(english or searched)
        return out

    def query_vectors(self, questions: list[str]) -> np.ndarray:
        """The vector each of ``questions`` is searched with (rows, unit length): what the coverage model reads."""
        if not questions:
            return np.zeros((0, self.version.vectors.d), dtype="float32")
        return np.vstack([self._read(clean_question(q, self.max_question_chars)).query_vector for q in questions])

    def _gap(self, question: str, ranking: Ranking, banner: bool = False, here: bool = False) -> Gap | None:
        """What makes the corpus unable to answer ``question`` however well its passages score, if anything;
        ``banner``: the question raised an urgent banner, so it tells its story first ("my court date is next
        month ... what penalties am I looking at" asks about penalties): a subject counts only in the sentences
        that ask; ``here``: a rule's words raised it, so it is about a person here whatever place it names."""
        place = None if here else self.scope.elsewhere(question)
        if place is not None:
            return self._said(Gap(kind="place", place=place.name, message=""), question, "en")
        said = normalise(question)
        # a subject of everyday life named in passing ("we feel uneasy walking the dog. How does this affect
        # the neighborhood?") is not what a message asks: it counts only in a sentence that asks (a question
        # mark) or in the last one
        told = sentences(question) or [question]
        asked = normalise(" ".join(s for i, s in enumerate(told) if s.rstrip().endswith("?") or i == len(told) - 1))
        topic = next((t for t in self.version.corpus.topics if t.named_in(asked if t.everyday or banner else said)),
                     None)
        if topic is not None:
            return self._said(Gap(kind="topic", topic=topic.name, message=""), question, "en")
        kind = facts.asked(question)
        if kind is None:
            return None
        directory = self.version.corpus.directory
        shown = [c.chunk for c in ranking.candidates[:FACT_PASSAGES]]
        named = directory.named_in(question)
        # a question about one service is answered by that service's record, not by any card
        cards = ([directory[sid].card("") for sid in named] if named
                 else choose_cards(question, shown, directory))
        # a question about one service is answered by what a sentence says of it: another service's
        # "24/7" in a passage that names both is not its opening hours
        texts = ([c.text[lo:hi] for c in shown for lo, hi in c.sentences
                  if set(named) & set(directory.named_in_passage(c.text[lo:hi]))] if named
                 else [c.text for c in shown])
        if kind.held_by(texts, cards):
            return None
        return self._said(Gap(kind="fact", fact=kind.name, message=""), question, "en")

    def _said(self, gap: Gap, question: str, lang: str) -> Gap:
        """``gap`` with its message in ``lang``."""
        if gap.kind == "place":
            message = gettext(lang, PLACE_GAP).format(jurisdiction=self.jurisdiction, place=gap.place)
        elif gap.kind == "topic":
            topic = next((t for t in self.version.corpus.topics if t.name == gap.topic), None)
            message = gettext(lang, TOPIC_GAP).format(topic=topic.name_in(lang) if topic else gap.topic)
        else:
            missing = gettext(lang, facts.kind(gap.fact or "").missing)
            directory = self.version.corpus.directory
            names = ", ".join(directory[sid].name for sid in directory.named_in(question))
            message = gettext(lang, FACT_GAP_NAMED if names else FACT_GAP).format(missing=missing, services=names)
        return gap.model_copy(update={"message": message})

    def answer(self, question: str, top_k: int = TOP_K, lang: str | None = None, exact: bool = False) -> Answer:
        """Answer ``question`` with up to ``top_k`` passages; QuestionError for unusable input.

        ``lang`` is the reader's language, for the service's own words (the banner, the cards' texts
        and why lines, a gap's message); None: the language the question is written in. ``exact``:
        the length limit counts the question as sent, not as trimmed (the JSON API's contract).
        """
        return self.render(self.trace(question, exact=exact), top_k, lang)

    def render(self, trace: Trace, top_k: int = TOP_K, lang: str | None = None) -> Answer:
        """Turn a trace into the Answer a person sees, in ``lang`` (None: the question's language)."""
        lang = lang or trace.lang
        directory = self.version.corpus.directory
        best = trace.ranking.candidates[:top_k]
        passages = self._in(lang, best)
        fear_first = self.version.corpus.safety.police_fear.services if self.detector.fears_police(trace.question) else ()
        if trace.answered:
            cards = choose_cards(trace.question, [c.chunk for c in best[:3]], directory, fear_first=fear_first, lang=lang)
            related = []
            if trace.safety is None:  # a crisis rule's pinned passages all lead
                passages = _leads(passages, LEAD_GAPS.get(trace.lang, LEAD_GAP))
        elif trace.gap is not None and trace.gap.kind in ("fact", "topic"):
            # show what there is: the closest passages apart, and the cards of the services asked about
            # (for a subject the corpus does not cover, the services nearest it: legal aid for
            # immigration, a clinic for PrEP)
            cards = choose_cards(trace.question, [c.chunk for c in best[:3]], directory, fear_first=fear_first, lang=lang)
            passages, related = [], passages[:RELATED]
        else:
            cards = fallback_cards(directory, lang)
            passages, related = [], passages[:RELATED]
        safety = self._safety(trace.safety, trace.question, lang)
        banner, cards = arrange(safety.services if safety else [], cards, fear_first)
        if safety is not None:
            safety = safety.model_copy(update={"services": banner})
        return Answer(question=trace.question, answered=trace.answered, passages=passages, related=related,
                      services=cards, safety=safety, gap=trace.gap and self._said(trace.gap, trace.question, lang),
                      index=self.info)

    def _in(self, lang: str, candidates: list[Candidate]) -> list[Passage]:
        """The passages of ``candidates`` as a reader of ``lang`` sees them: where the corpus has a
        reviewed translation into ``lang``, its paragraph that pairs with the passage, with its own
        citation (a paragraph cut into several chunks is shown once); else the passage as it is."""
        corpus = self.version.corpus
        out: list[Passage] = []
        for c in candidates:
            passage = _passage(c)
            original = corpus.document(c.chunk.document)
            translation = corpus.translation(c.chunk.document, lang)
            pair = translation.paragraph(c.chunk.section_number, c.chunk.paragraph) if translation else None
            if original is not None and translation is not None and pair is not None and lang != original.lang:
                section, para = pair
                citation = Citation(document=translation.id, title=translation.title, section=section.heading,
                                    paragraph=para.number, start=para.start, end=para.end,
                                    anchor=f"{section.anchor}-{para.anchor_suffix}")
                passage = Passage(id=passage.id, text=translation.text[para.start:para.end], score=passage.score,
                                  citation=citation, lang=translation.lang, original=passage.citation)
            if all(p.citation != passage.citation for p in out):
                out.append(passage)
        return out

    def _safety(self, match: CrisisMatch | None, question: str, lang: str | None = None) -> Safety | None:
        """The banner for ``match``: its message in ``lang`` (None: the language that fired it), the
        contacts that can be reached, and the rule's cards (never a police card for someone who fears
        the police)."""
        if match is None:
            return None
        directory = self.version.corpus.directory
        rule = match.rule
        lang = lang or match.lang
        why = gettext(lang, SAFETY_WHY_EMERGENCY if match.level == "emergency" else SAFETY_WHY_URGENT)
        # danger now: every card the rule names; urgent: its first (the hotline), the answer's cards below
        services = rule.services if match.level == "emergency" else rule.services[:1]
        cards = [directory[sid].card(why, lang) for sid in services]
        if self.detector.fears_police(question):
            cards = [c for c in cards if "police" not in directory[c.id].categories]
        return Safety(level=match.level, message=rule.message_in(lang), rule=rule.id, matched=match.matched,
                      contacts=[Phone(number=p.number, kind=p.kind) for p in rule.contacts], services=cards,
                      lang=match.lang, sign=match.sign, score=match.score)


def crisis_examples(version: Version) -> Examples:
    """The danger signs' examples of ``version``, with their vectors read back from its index."""
    keys = version.keys
    danger = [i for i, k in enumerate(keys) if k.kind == "danger"]
    rows = (np.stack([version.vectors.reconstruct(i) for i in danger]).astype("float32") if danger
            else np.zeros((0, version.vectors.d), dtype="float32"))
    return Examples(rows, tuple(keys[i].text for i in danger), tuple(keys[i].sign or "" for i in danger),
                    tuple("es" if keys[i].lang == "es" else "en" for i in danger))


def _asked(message: str) -> str:
    """The sentences of a long message that ask: those with a question mark, or else the last one; "" for a
    shorter message. (``_gap`` reads the last sentence beside the questions, for a subject named in passing;
    searched beside them here, a closing "I'd like to know what exists" pulled a tune question from first
    to second.)"""
    told = sentences(message)
    if len(told) < LONG_MESSAGE:
        return ""
    return " ".join(s for s in told if s.rstrip().endswith("?")) or told[-1]


def _pin(ranking: Ranking, refs: tuple[PassageRef, ...], after: int = 0) -> Ranking:
    """Put the passages a safety rule names first (in the rule's order), the rest after as ranked; the
    ``after`` best passages the rule does not name stay above them."""
    places = [r.place for r in refs]

    def place(c: Candidate) -> int:
        key = (c.chunk.document, c.chunk.section, c.chunk.paragraph)
        return places.index(key) if key in places else len(places)

    ordered = sorted(ranking.candidates, key=lambda c: (place(c), c.rank))
    kept = [c for c in ranking.candidates[:after] if place(c) == len(places)]
    ordered = kept + [c for c in ordered if c not in kept]
    return replace(ranking, candidates=[replace(c, rank=i + 1) for i, c in enumerate(ordered)])


def _leads(passages: list[Passage], gap: float = LEAD_GAP) -> list[Passage]:
    """The first passage leads, and so does any other within ``gap`` of its similarity; the rest
    are marked to be folded ("may also answer it"): a page shows one passage as the answer unless
    another is nearly as close."""
    if not passages:
        return passages
    best = passages[0].score
    return [p if i == 0 or best - p.score <= gap else p.model_copy(update={"lead": False})
            for i, p in enumerate(passages)]


def _passage(c: Candidate) -> Passage:
    highlight = excerpt = None
    if c.sentence is not None:
        sentences = c.chunk.sentences
        start, end = sentences[c.sentence]
        highlight = Highlight(start=start, end=end)
        # the best sentence with its neighbours (the one before first, as it is what a "they" or
        # "this" refers to), each while the excerpt fits: what a phone shows before "the whole paragraph"
        first = last = c.sentence
        for step in range(1, EXCERPT_NEIGHBOURS + 1):
            for side in (c.sentence - step, c.sentence + step):
                if 0 <= side < len(sentences):
                    lo, hi = min(first, side), max(last, side)
                    if sentences[hi][1] - sentences[lo][0] <= EXCERPT_CHARS:
                        first, last = lo, hi
        if first > 0 or last < len(sentences) - 1:
            excerpt = Highlight(start=sentences[first][0], end=sentences[last][1])
    return Passage(id=c.chunk.id, text=c.chunk.text, score=round(c.dense, 4), highlight=highlight, excerpt=excerpt,
                   citation=c.chunk.citation)
