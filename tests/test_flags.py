"""Flags, the review queue, retention and the phrasings export (qa/staff/flags.py, review.py, qa/corpus/phrasings.py),
each on SQLite and on PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import difflib

import pytest
from sqlalchemy import select

from qa.answering.engine import clean_question
from qa.cli import main
from qa.corpus import Phrasing, load_corpus
from qa.corpus.phrasings import add_phrasings, existing
from qa.errors import CorpusError, QuestionError
from qa.staff import flags, review
from qa.staff.db import Store
from qa.staff.db import flags as flag_table

DAY = 86_400


@pytest.fixture
def store(database_url, clock):
    s = Store(database_url, clock=clock)
    yield s
    s.close()


def _ids(engine, question):
    return [p.id for p in engine.answer(question).passages]


def test_a_flag_keeps_only_the_question_passages_answer_and_day(store, engine, clock):
    ids = _ids(engine, "where can I get narcan")
    flag = flags.submit(store, engine.version, "  where can I   get narcan ", ids, False, 500)
    assert flag.question == "where can I get narcan" and flag.passages == tuple(ids) and not flag.helpful
    assert flag.created_on == clock.t // DAY * DAY  # the day only, not the time
    with store.begin() as conn:
        assert set(conn.execute(select(flag_table)).one()._mapping) == {
            "id", "created_on", "question", "passages", "helpful", "status", "reviewed_by", "reviewed_at"}


def test_a_passage_id_the_index_no_longer_has_is_refused_with_the_question(store, engine):
    ids = _ids(engine, "where can I get tested")
    with pytest.raises(flags.StalePassageError) as stale:
        flags.submit(store, engine.version, "where can I get tested", ids + ["windham-faq-000000000000"], True, 500)
    assert stale.value.question == "where can I get tested"
    assert stale.value.missing == ["windham-faq-000000000000"]
    assert flags.queue(store, "all") == []


@pytest.mark.parametrize("ids", [["<script>"], [f"windham-faq-{i:012d}" for i in range(11)]])
def test_malformed_ids_are_refused(store, engine, ids):
    with pytest.raises(flags.FlagError):
        flags.submit(store, engine.version, "a question", ids, True, 500)


def test_a_question_at_the_length_limit_is_kept_and_one_over_is_refused(store, engine):
    at_limit = ("is it legal " * 50)[:500]
    flag = flags.submit(store, engine.version, at_limit, [], False, 500)
    assert flag.question == clean_question(at_limit)
    with pytest.raises(QuestionError):
        flags.submit(store, engine.version, "x" * 501, [], False, 500)


def test_queue_is_newest_first_and_resolving_moves_a_flag_out(store, engine):
    a = flags.submit(store, engine.version, "first question", [], False, 500)
    b = flags.submit(store, engine.version, "second question", [], True, 500)
    assert [f.id for f in flags.queue(store)] == [b.id, a.id]
    flags.resolve(store, a.id, "not-a-problem", "alice")
    assert [f.id for f in flags.queue(store)] == [b.id]
    done = flags.get(store, a.id)
    assert (done.status, done.reviewed_by) == ("not-a-problem", "alice")
    with pytest.raises(flags.FlagError):
        flags.resolve(store, b.id, "deleted", "alice")
    with pytest.raises(flags.FlagNotFound):
        flags.get(store, 999)


def test_flags_past_the_retention_period_are_deleted(store, engine, clock):
    old = flags.submit(store, engine.version, "an old question", [], False, 500)
    clock.t += 60 * DAY
    recent = flags.submit(store, engine.version, "a recent question", [], False, 500)
    clock.t += 31 * DAY  # the old flag is now 91 days old, the recent one 31
    assert [f.id for f in flags.queue(store, retention_days=90)] == [recent.id]  # hidden before the purge
    assert flags.purge(store, 90) == 1
    with pytest.raises(flags.FlagNotFound):
        flags.get(store, old.id)
    assert [f.id for f in flags.queue(store, "all")] == [recent.id]


def _section(version, number=1):
    doc = version.corpus.documents[0]
    return doc, next(s for s in doc.sections if s.number == number)


def test_adding_a_phrasing_checks_the_section_and_closes_the_flag(store, engine):
    flag = flags.submit(store, engine.version, "can the cops arrest me for this", [], False, 500)
    doc, sec = _section(engine.version)
    with pytest.raises(flags.FlagError):
        review.add_phrasing(store, flag.id, engine.version, doc.id, 999, None, "q", "alice", 500)
    with pytest.raises(flags.FlagError):
        review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, 99, "q", "alice", 500)
    pending = review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, 2,
                                    "can the cops arrest me for this", "alice", 500)
    assert pending.phrasing == Phrasing(doc.id, sec.heading, 2, "can the cops arrest me for this")
    assert flags.get(store, flag.id).status == "phrasing"
    assert [p.phrasing for p in review.pending(store)] == [pending.phrasing]


def test_export_writes_a_normal_diff_that_the_corpus_loads(store, engine, corpus_copy, capsys, monkeypatch):
    flag = flags.submit(store, engine.version, "can the cops arrest me for this: really?", [], False, 500)
    doc, sec = _section(engine.version)
    review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, 1, flag.question, "alice", 500)
    review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, None, "# not a comment", "alice", 500)
    before = (corpus_copy / "phrasings.yaml").read_text(encoding="utf-8")

    report = review.export_phrasings(store, corpus_copy)

    after = (corpus_copy / "phrasings.yaml").read_text(encoding="utf-8")
    diff = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert all(line.startswith("+") for line in diff)  # only additions, nothing rewritten
    assert len(diff) == 1 + 4  # one question into an existing entry; one new entry for the whole section
    assert [p.question for p in report.added] == [flag.question, "# not a comment"]
    corpus = load_corpus(corpus_copy)
    assert Phrasing(doc.id, sec.heading, 1, flag.question) in corpus.phrasings
    assert Phrasing(doc.id, sec.heading, None, "# not a comment") in corpus.phrasings
    assert review.pending(store) == []
    # a second export has nothing to add and leaves the file alone
    assert review.export_phrasings(store, corpus_copy).added == []
    assert (corpus_copy / "phrasings.yaml").read_text(encoding="utf-8") == after


def test_export_keeps_phrasings_whose_section_is_gone(store, engine, corpus_copy):
    flag = flags.submit(store, engine.version, "a question", [], False, 500)
    doc, sec = _section(engine.version)
    review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, None, "a question", "alice", 500)
    md = corpus_copy / f"{doc.id}.md"
    md.write_text(md.read_text(encoding="utf-8").replace(f"## {sec.heading}", "## A heading renamed since?"),
                  encoding="utf-8")
    (corpus_copy / "phrasings.yaml").write_text("phrasings: []\n", encoding="utf-8")  # no entry names the old heading
    report = review.export_phrasings(store, corpus_copy)
    assert report.added == [] and [p.question for p, _ in report.refused] == ["a question"]
    assert "no longer" in report.refused[0][1]
    assert len(review.pending(store)) == 1


def test_export_refuses_a_corpus_that_does_not_load(store, corpus_copy):
    (corpus_copy / "phrasings.yaml").write_text("phrasings: [oops\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        review.export_phrasings(store, corpus_copy)


def test_add_phrasings_to_an_empty_file_and_skips_duplicates():
    p = Phrasing("windham-faq", "What is it?", None, "what's it about")
    text, added = add_phrasings("", [p, Phrasing(p.document, p.section, None, "WHAT'S IT   about")])
    assert added == [p] and existing(text) == [p]
    assert text.startswith("# Alternate phrasings")
    again, added = add_phrasings(text, [p])
    assert again == text and added == []


def test_cli_export_phrasings(database_url, store, engine, corpus_copy, monkeypatch, capsys):
    flag = flags.submit(store, engine.version, "who do i talk to about getting out", [], False, 500)
    doc, sec = _section(engine.version, 4)
    review.add_phrasing(store, flag.id, engine.version, doc.id, sec.number, None, flag.question, "alice", 500)
    monkeypatch.setenv("QA_DATABASE_URL", database_url)
    from qa.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["staff", "export-phrasings", "--corpus", str(corpus_copy)]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "added 1 phrasing(s)" in out and flag.question in out
    assert Phrasing(doc.id, sec.heading, None, flag.question) in load_corpus(corpus_copy).phrasings


def test_a_day_holds_at_most_the_cap_of_flags_and_the_next_day_starts_again(store, engine, clock):
    ids = [engine.answer("where can I get narcan").passages[0].id]
    for _ in range(2):
        flags.submit(store, engine.version, "where can I get narcan", ids, True, 500, max_per_day=2)
    with pytest.raises(flags.QueueFullError):
        flags.submit(store, engine.version, "where can I get narcan", ids, True, 500, max_per_day=2)
    assert len(flags.queue(store, "all")) == 2
    clock.t += 86_400
    flags.submit(store, engine.version, "where can I get narcan", ids, True, 500, max_per_day=2)
    assert len(flags.queue(store, "all")) == 3


def test_the_days_cap_holds_when_many_send_at_once(database_url, engine, clock):
    """Twelve senders at once, each with its own engine and connection (as separate worker processes
    would be), three flags each per day against a cap of 10, for four days: each day keeps exactly 10
    and tells the other 26 the queue is full. Unlocked, PostgreSQL kept 11-16 a day (each sender
    counted without the others' uncommitted rows); four days make a race at the cap near certain."""
    import collections
    import threading

    ids = [engine.version.chunks[0].id]
    kept, full = [], []
    together = threading.Barrier(12)

    def sender(n: int) -> None:
        store = Store(database_url, clock=clock)
        try:
            for _day in range(4):
                together.wait()
                for i in range(3):
                    try:
                        kept.append(flags.submit(store, engine.version, f"question {n}-{i}", ids, True, 500, max_per_day=10))
                    except flags.QueueFullError:
                        full.append(n)
                if together.wait() == 0:  # one of them turns the clock to the next day
                    clock.t += DAY
        finally:
            store.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    store = Store(database_url)
    with store.begin() as conn:
        rows = conn.execute(select(flag_table.c.created_on)).scalars().all()
    store.close()
    assert sorted(collections.Counter(rows).values()) == [10, 10, 10, 10] and len(kept) == 40 and len(full) == 104
