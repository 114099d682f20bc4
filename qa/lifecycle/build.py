"""Building an index version from ``corpus/``: validate, chunk, embed (cached), calibrate, evaluate,
diff against the version in service, gate on quality, write, publish.

Everything is computed in memory first; the version folder is written once, complete, and the
pointer moves only when the gate passes (or the maintainer forces it).
"""

from __future__ import annotations

import datetime as dt
import errno
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answering.crisis import support_signs
from qa.answering.engine import Engine
from qa.answering.scope import city_table
from qa.corpus import checksum, corpus_files, load_corpus
from qa.encoder import Encoder
from qa.errors import CorpusError, IndexUnusableError, IndexWriteError
from qa.index.bm25 import LexicalIndex
from qa.index.cache import EmbeddingCache
from qa.index.chunks import Chunk, chunk_document
from qa.index.format import Version, library_versions, load_version, write_version
from qa.index.keys import make_keys
from qa.index.vectors import make_index
from qa.lifecycle import crisis_model
from qa.lifecycle.crisis_eval import crisis_figures, load_crisis_questions, run_crisis
from qa.lifecycle.diff import VersionDiff, diff
from qa.lifecycle.evaluate import Question, by_category, calibrate_on, load_questions, quality_record, run
from qa.lifecycle.gate import Floors, Verdict, judge
from qa.lifecycle.registry import current_version_id, new_version_id, prune, publish
from qa.retrieval import classifier, coverage
from qa.retrieval.confidence import DEFAULT_THRESHOLD
from qa.text import language, squeeze

CHUNK_MAX_CHARS = 0  # 0: one chunk per paragraph (measured in docs/quality.md)


@dataclass(frozen=True)
class BuildReport:
    version: str
    path: Path
    documents: int
    sections: int
    chunks: int
    keys: int
    services: int
    cache_hits: int
    seconds: float
    published: bool
    forced: bool
    calibration: dict[str, Any]
    quality: dict[str, Any] | None
    diff: VersionDiff | None
    verdict: Verdict | None
    live: str | None
    crisis: dict[str, Any] | None = None

    def summary(self) -> str:
        cal = self.calibration
        answered = cal.get("in_scope_answered")
        lines = [f"diff against {self.live or 'nothing (first version)'}:", *(self.diff.lines() if self.diff else [])]
        if self.quality:
            f = self.quality["figures"]
            lines.append(f"quality ({self.quality['split']} split): hit@1 {f['hit@1']:.1%}  hit@3 {f['hit@3']:.1%}  "
                         f"no-answer recall {f['no_answer_recall']:.1%}  in-scope answered {f['in_scope_answered']:.1%}  "
                         f"crisis recall {f['crisis_recall']:.1%}  false alarms {f['false_alarms']:.1%}")
        crisis = (self.quality or {}).get("crisis", {}).get("all")
        if crisis:
            lines.append(f"crisis ({self.quality['split'] if self.quality else ''} split of the crisis questions): "
                         f"recall {crisis['recall']:.1%}  emergencies found {crisis['emergency_recall']:.1%}  "
                         f"false emergencies {crisis['false_emergencies']:.1%}")
        if self.verdict:
            lines += self.verdict.lines()
        state = "published" + (" (FORCED past the quality gate)" if self.forced else "") if self.published \
            else "NOT published"
        lines += [
            f"version   {self.version} {state}",
            f"documents {self.documents}   sections {self.sections}   chunks {self.chunks}   keys {self.keys}"
            f"   services {self.services}",
            f"embedded  {self.keys - self.cache_hits} new, {self.cache_hits} from the cache",
            f"answered rule: confidence >= {cal.get('threshold')}"
            + (f" (tune split: {cal.get('out_of_scope_refused'):.0%} of out-of-scope refused, "
               f"{answered:.0%} of in-scope answered)" if answered is not None else f" ({cal.get('reason')})"),
            self._crisis_line(),
            f"took {self.seconds:.1f} s",
        ]
        return "\n".join(lines)

    def _crisis_line(self) -> str:
        c = self.crisis or {}
        if not c.get("weights"):
            return f"crisis layer: off ({c.get('reason', 'not trained')})"
        lines = []
        for name, layer in [("", c), *((f" ({lang})", own) for lang, own in (c.get("languages") or {}).items())]:
            tune = layer.get("tune")
            reached = (f" (tune split: recall {tune['recall']:.0%}, false emergencies {tune['false_emergencies']:.0%}, "
                       f"false banners {tune['false_banners']:.0%}{_of_which_rules(layer)})") if tune else \
                f" ({c.get('reason', 'default threshold: no labelled crisis questions')})"
            lines.append(f"crisis layer{name}: probability >= {layer['threshold']} for the rule's level, "
                         f">= {layer.get('urgent_threshold', layer['threshold'])} for an urgent banner" + reached)
        message = c.get("message") or {}
        if message.get("tune"):
            lines.append(f"message layer: probability >= {message['threshold']} for an urgent banner (tune split, "
                         f"each set's messages scored by a model that never saw that set: recall alone "
                         f"{message['tune']['recall']:.0%}, false banners {message['tune']['false_banners']:.1%})")
        support = c.get("support") or {}
        if support.get("tune"):
            tune = support["tune"]
            added = tune["with"]["false_banners"] - tune["without"]["false_banners"]
            lines.append(f"support layer: probability >= {support['threshold']} for an urgent banner (tune split: "
                         f"recall {tune['without']['recall']:.0%} -> {tune['with']['recall']:.0%}, "
                         f"false banners {added:+.1%})")
        return "\n".join(lines)


def _of_which_rules(layer: dict[str, Any]) -> str:
    rules = layer.get("rules_false_banners")
    return "" if rules is None else f", {rules:.1%} from the rules alone"


def build(corpus_dir: Path, index_dir: Path, encoder: Encoder, **options: Any) -> BuildReport:
    """Build a new version of ``corpus_dir`` under ``index_dir`` and publish it when the gate allows.

    The corpus files are copied once, first, and everything (validation, chunks, evaluation, the
    version's own copy) comes from that snapshot: an edit made during a build cannot ship files
    that were never validated. Raises CorpusError (every problem, ``file:line`` in the maintainer's
    files) before anything is written. ``options`` are those of ``build_snapshot``.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError([f"{corpus_dir}: corpus directory does not exist"])
    with tempfile.TemporaryDirectory(prefix="qa-corpus-") as snap:
        for f in corpus_files(corpus_dir):
            shutil.copy2(f, snap)
        try:
            return build_snapshot(Path(snap), index_dir, encoder, **options)
        except CorpusError as e:
            raise CorpusError([p.replace(snap, str(corpus_dir)) for p in e.problems]) from None
        except (OSError, sqlite3.Error) as e:
            failed = getattr(e, "filename", None)
            if failed and not Path(failed).resolve().is_relative_to(Path(index_dir).resolve()):
                raise  # not the index folder's fault (a questions file that cannot be read, say)
            raise _unwritable(Path(index_dir), e) from e


def _unwritable(index_dir: Path, e: Exception) -> IndexWriteError:
    """What a maintainer reads when ``index_dir`` could not be written."""
    full = (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)) or "full" in str(e).lower()
    if full:
        return IndexWriteError(f"disk full at {index_dir}: nothing published, the version in service is "
                               f"unchanged; free some space and build again")
    reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    return IndexWriteError(f"cannot write to {index_dir} ({reason}): nothing published, the version in "
                           f"service is unchanged; check that the folder is writable and build again")


def build_snapshot(corpus_dir: Path, index_dir: Path, encoder: Encoder, *, questions: Path | None = None,
                   crisis_questions: Path | None = None, wording_questions: Path | None = None,
                   spanish_questions: Path | None = None, training: Sequence[Path] = (),
                   crisis_training: Sequence[Path] = (), floors: Floors | None = None, batch_size: int = 32,
                   progress: bool = True,
                   do_publish: bool = True, force: bool = False, keep: int = 5) -> BuildReport:
    """``build`` on a corpus folder nobody else writes to."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    corpus = load_corpus(corpus_dir)
    chunks = [c for d in corpus.originals for c in chunk_document(d, CHUNK_MAX_CHARS)]
    keys = make_keys(chunks, corpus)
    cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite")
    vectors, hits = cache.encode(encoder, [k.text for k in keys], batch_size=batch_size, progress=progress)
    digest = checksum(corpus_dir)
    version_id = new_version_id(digest)
    sections = sum(len(d.sections) for d in corpus.originals)
    manifest = {
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": encoder.identity,
        "corpus_checksum": digest,
        "chunks": len(chunks),
        "keys": len(keys),
        "documents": len(corpus.documents),
        "sections": sections,
        "services": len(corpus.directory.services),
        "libraries": library_versions(),
        "cities": city_table(),  # the place check's cities (qa/answering/scope.py), read once here, not at start
    }
    # made once, and the same index is evaluated and shipped: an approximate one is gated as it will serve
    dense, manifest["vectors"] = make_index(vectors)
    # before any engine is made: it ranks their passages
    labelled = answered_by(chunks, training)
    asked, _ = cache.encode(encoder, [q for q, _ in labelled], batch_size=batch_size, progress=False)
    passages = classifier.train(keys, vectors, [(chunk, v) for (_, chunk), v in zip(labelled, asked, strict=True)])
    manifest["passages"] = passages | {"question_sets": [Path(p).name for p in training]}
    lexical = LexicalIndex.of(chunks, corpus)

    neighbours_of: tuple[np.ndarray, np.ndarray] | None = None  # the crisis detector's neighbours, once they are read

    def engine_with(extra: dict[str, Any]) -> Engine:
        version = Version(version_id, Path("."), manifest | extra | {"version": version_id}, corpus, tuple(chunks),
                          tuple(keys), dense, lexical, neighbours_of)
        return Engine(version, encoder)

    # whether the corpus covers a question at all, learnt from the tune questions as they are searched
    covered = in_scope(training)
    model, held = coverage.train(engine_with({}).query_vectors([q for q, _ in covered]), [c for _, c in covered])
    manifest["coverage"] = model | {"question_sets": [Path(p).name for p in training]}
    held_out = {q: p for (q, _), p in zip(covered, held, strict=True)}

    crisis = crisis_model.train(keys, vectors, support_signs(corpus.safety), not_calm=frozenset(corpus.near_topic))
    reader = engine_with({})  # reads the whole message as it is searched, as the server does
    # a message too long for the service is refused, its opening screened for a banner: never read whole, no lesson
    messages = [m for m in crisis_messages(crisis_training, training)
                if len(squeeze(m[0])) <= reader.max_question_chars]
    if crisis.get("weights") and messages:
        read, _ = cache.encode(encoder, reader.searched([m for m, _, _ in messages]), batch_size=batch_size,
                               progress=False)
        everyday = everyday_messages(crisis_training)
        # The everyday worries are the neighbours' to tell apart, not the message classifier's: it scored them like
        # danger, so as its negatives they only raised its threshold (stop 47: 0.6478 -> 0.6770, five danger messages
        # lost their banner) without teaching it to tell them apart (docs/safety.md)
        taught = [i for i, (m, _, _) in enumerate(messages) if m not in everyday]
        crisis["message"] = (crisis_model.train_message(np.asarray(read)[taught], [messages[i][1] for i in taught],
                                                        [messages[i][2] for i in taught])
                             | {"crisis_sets": [Path(p).name for p in crisis_training]})
        neighbours = neighbour_rows(messages, everyday)
        if neighbours:
            # compared as a question is (``Engine.compared``): a Spanish message in its English translation
            near, _ = cache.encode(encoder, reader.compared([messages[i][0] for i in neighbours]), batch_size=batch_size,
                                   progress=False)
            near = np.asarray(near, dtype="float32")
            neighbours_of = (near / np.linalg.norm(near, axis=1, keepdims=True),
                             np.asarray([not messages[i][1] for i in neighbours]))
            crisis["neighbours"] = {"danger": int((~neighbours_of[1]).sum()), "everyday": int(neighbours_of[1].sum())}
    calibration, crisis, quality = _evaluate(engine_with, questions, crisis_questions, wording_questions,
                                             spanish_questions, floors or Floors(), crisis, held_out, training)
    live_id, live = _live(index_dir, encoder)
    changes = diff(live.chunks, live.corpus.directory, tuple(chunks), corpus.directory) if live else None
    verdict = judge(quality, floors or Floors(), live.manifest.get("quality") if live else None) if quality else None
    allowed = verdict is None or verdict.passed
    publishing = do_publish and (allowed or force)
    manifest |= {"calibration": calibration, "crisis": crisis, "quality": quality,
                 "gate": {"passed": allowed, "problems": list(verdict.problems) if verdict else [],
                          "forced": bool(publishing and not allowed)}}
    path = write_version(index_dir, version_id, corpus_dir, chunks, keys, dense, lexical, manifest, neighbours_of)
    if publishing:
        publish(index_dir, version_id, forced=not allowed)
        prune(index_dir, keep)
    return BuildReport(version_id, path, len(corpus.documents), sections, len(chunks), len(keys),
                       len(corpus.directory.services), hits, time.perf_counter() - t0, publishing,
                       publishing and not allowed,
                       calibration, quality, changes, verdict, live_id, crisis)


def answered_by(chunks: list[Chunk], training: Sequence[Path]) -> list[tuple[str, str]]:
    """(question, id of a chunk that answers it) for the in-scope tune questions of the ``training`` sets: a
    question whose key phrases lie in two passages counts for each."""
    pairs = []
    for path in training:
        for q in load_questions(path, "tune"):
            if q.in_scope and q.keys:
                pairs += [(q.q, c.id) for c in chunks if any(k in c.text for k in q.keys)]
    return pairs


def crisis_messages(crisis_training: Sequence[Path], training: Sequence[Path]) -> list[tuple[str, bool, str]]:
    """(message, whether it is danger, the set it came from) for the tune halves of the ``crisis_training`` sets
    (urgent or emergency is danger) and the ``training`` sets' tune questions labelled no crisis, each once; none
    without a crisis set."""
    seen: dict[str, tuple[str, bool, str]] = {}
    for path in crisis_training:
        for c in load_crisis_questions(path, "tune"):
            seen.setdefault(c.q, (c.q, c.level != "none", Path(path).name))
    for path in training if seen else ():
        for q in load_questions(path, "tune"):
            if q.crisis is None:
                seen.setdefault(q.q, (q.q, False, Path(path).name))
    return list(seen.values())


def everyday_messages(crisis_training: Sequence[Path]) -> frozenset[str]:
    """The tune messages of the ``crisis_training`` sets that tell of an everyday worry (category ``everyday``, no
    danger)."""
    return frozenset(c.q for path in crisis_training for c in load_crisis_questions(path, "tune")
                     if c.category == "everyday" and c.level == "none")


def neighbour_rows(messages: Sequence[tuple[str, bool, str]], everyday: frozenset[str]) -> list[int]:
    """The rows of ``messages`` (``crisis_messages``) the crisis detector compares a question with
    (``qa.answering.crisis.Neighbours``): the danger messages and the ``everyday`` worries; none without both."""
    rows = [i for i, (m, danger, _) in enumerate(messages) if danger or m in everyday]
    return rows if any(messages[i][0] in everyday for i in rows) and any(messages[i][1] for i in rows) else []


def in_scope(training: Sequence[Path]) -> list[tuple[str, bool]]:
    """(question, whether the corpus covers it) for the tune questions of the ``training`` sets, each once."""
    return [(q.q, q.in_scope) for q in tune_questions(training)]


def tune_questions(training: Sequence[Path]) -> list[Question]:
    """The tune questions of the ``training`` sets, each once (the first set that holds it labels it)."""
    seen: dict[str, Question] = {}
    for path in training:
        for q in load_questions(path, "tune"):
            seen.setdefault(q.q, q)
    return list(seen.values())


def _evaluate(engine_with: Callable[[dict[str, Any]], Engine], questions: Path | None, crisis_questions: Path | None,
              wording_questions: Path | None, spanish_questions: Path | None, floors: Floors,
              crisis: dict[str, Any], held_out: dict[str, float | None] | None = None,
              training: Sequence[Path] = (),
              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Calibrate the crisis threshold and the answered rule on the tune splits, then measure the
    result on the gate's split. Returns (answered calibration, crisis model, quality record).
    ``held_out``: the coverage probabilities of the questions the coverage model learnt from, each from a
    model trained without it, so that the threshold is calibrated as on questions it never saw.

    The answered rule is calibrated on the tune halves of the ``training`` sets, each language on its own
    questions (Spanish questions get their own threshold); with no training sets, on the tune split of
    ``questions`` and ``wording_questions`` (questions as people really write them, near-topic ones among
    them), and Spanish on that of ``spanish_questions``. Stop 42: on folds that each left one writer's set out,
    the Spanish threshold calibrated on ``spanish.yaml``'s 70 questions sat near 0.22, on every set's near 0.36,
    and the held-out sets' Spanish questions had 4 more right outcomes of 184 (docs/quality.md).
    """
    tune = load_questions(questions, "tune") if questions is not None else []
    wording_tune = load_questions(wording_questions, "tune") if wording_questions is not None else []
    if crisis_questions is not None and crisis.get("weights"):
        spanish_tune = load_questions(spanish_questions, "tune") if spanish_questions is not None else []
        crisis = crisis_model.calibrate(engine_with({"crisis": crisis}), crisis,
                                        load_crisis_questions(crisis_questions, "tune"), tune, spanish_tune,
                                        wording_tune)
        crisis |= {"questions": Path(crisis_questions).name, "split": "tune"}
    if questions is None:  # asked for: a build with no gate (a missing file is an error, raised above)
        return {"threshold": DEFAULT_THRESHOLD, "reason": "no labelled questions"}, crisis, None
    pool = tune_questions(training)
    reader = engine_with({"crisis": crisis})
    # each question traced once: calibrate_on keeps those that read as its language anyway
    english = [q for q in pool if language(q.q) != "es"]
    calibration = calibrate_on(reader, english or tune + wording_tune, held_out=held_out)
    names = ([Path(p).name for p in training] if pool
             else [Path(p).name for p in (questions, wording_questions) if p is not None])
    calibration |= {"questions": " + ".join(names), "split": "tune"}
    spanish_pool, spanish_names = [q for q in pool if language(q.q) == "es"], names
    if not pool and spanish_questions is not None:
        spanish_pool, spanish_names = load_questions(spanish_questions, "tune"), [Path(spanish_questions).name]
    if pool or spanish_questions is not None:
        spanish = calibrate_on(reader, spanish_pool, "es", held_out=held_out)
        # the Spanish confidences were those of questions read with this translation (qa.translation)
        calibration["languages"] = {"es": spanish | {"questions": " + ".join(spanish_names), "split": "tune",
                                                     "translation": reader.translator.identity}}
    engine = engine_with({"calibration": calibration, "crisis": crisis})
    quality = quality_record(run(engine, load_questions(questions, floors.split)), floors.split)
    if wording_questions is not None:
        quality["wording"] = by_category(run(engine, load_questions(wording_questions, floors.split)))
    if spanish_questions is not None:
        quality["spanish"] = by_category(run(engine, load_questions(spanish_questions, floors.split)))
    if crisis_questions is not None:
        quality["crisis"] = crisis_figures(run_crisis(engine, load_crisis_questions(crisis_questions, floors.split)))
    return calibration, crisis, quality


def _live(index_dir: Path, encoder: Encoder) -> tuple[str | None, Version | None]:
    """The version in service, if one loads (a broken one is nothing to compare with)."""
    try:
        live_id = current_version_id(index_dir)
        return live_id, load_version(index_dir / "versions" / live_id, encoder.identity)
    except IndexUnusableError:
        return None, None


