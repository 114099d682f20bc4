"""The ``qa`` command: build, ask, eval, serve, index, staff, db. Each prints for a person and exits non-zero on errors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import Settings, get_settings
from qa.errors import CorpusError, QAError
from qa.retrieval import MODES

if TYPE_CHECKING:
    from qa.staff.db import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qa", description="Windham Answers: cited answers from an FAQ corpus.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="validate corpus/, embed it and publish a new index version")
    b.add_argument("--corpus", type=Path, help="corpus directory (default: QA_CORPUS_DIR or corpus/)")
    b.add_argument("--out", type=Path, help="index directory (default: QA_INDEX_DIR or index/)")
    b.add_argument("--questions", type=Path, help="labelled questions to calibrate and gate on (QA_QUESTIONS_FILE)")
    b.add_argument("--check", action="store_true", help="only validate the corpus and list every problem")
    b.add_argument("--dry-run", action="store_true", help="build and report but do not publish")
    b.add_argument("--force", action="store_true", help="publish even if the quality gate refuses (recorded)")
    b.add_argument("--floors", type=Path, help="quality floors the gate enforces (default: QA_FLOORS_FILE)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")

    a = sub.add_parser("ask", help="answer a question from the published index")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=None, help="passages to show, 1-10")
    a.add_argument("--json", action="store_true", help="print the API's JSON")

    e = sub.add_parser("eval", help="measure answer quality on labelled questions")
    e.add_argument("file", nargs="?", type=Path, help="labelled questions (default: QA_QUESTIONS_FILE)")
    e.add_argument("--split", choices=["tune", "test", "all"], default="test")
    e.add_argument("--mode", choices=MODES, default="hybrid")
    e.add_argument("--json", action="store_true", help="print figures as JSON")
    e.add_argument("--failures", action="store_true", help="list the questions that went wrong")
    e.add_argument("--calibrate", action="store_true", help="print the threshold the tune split would choose")
    e.add_argument("--by-category", action="store_true", help="a table of figures per category of question")

    c = sub.add_parser("eval-crisis", help="measure crisis detection per category on labelled danger questions")
    c.add_argument("file", nargs="?", type=Path, help="labelled crisis questions (default: QA_CRISIS_FILE)")
    c.add_argument("--split", choices=["tune", "test", "all"], default="test")
    c.add_argument("--json", action="store_true", help="print figures as JSON")
    c.add_argument("--failures", action="store_true", help="list the questions whose level was wrong")

    m = sub.add_parser("export-model", help="export the model to ONNX for QA_ENCODER=onnx (make setup runs it)")
    m.add_argument("--force", action="store_true", help="export again even if an export of these files exists")

    s = sub.add_parser("serve", help="serve the web app")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--index", type=Path, default=None, help="index directory (default: QA_INDEX_DIR)")
    s.add_argument("--workers", type=int, default=1, help="worker processes (each follows the published version)")

    x = sub.add_parser("index", help="list, roll back or prune index versions")
    xs = x.add_subparsers(dest="index_command", required=True)
    xs.add_parser("list", help="versions with date, chunk count, figures, and which is live")
    r = xs.add_parser("rollback", help="put an earlier version back in service")
    r.add_argument("version", nargs="?", help="version id (default: the one before the version in service)")
    p = xs.add_parser("prune", help="delete all but the newest versions (QA_KEEP_VERSIONS)")
    p.add_argument("--keep", type=int, default=None)

    t = sub.add_parser("staff", help="staff accounts, and the phrasings staff added in the review queue")
    ts = t.add_subparsers(dest="staff_command", required=True)
    ts.add_parser("add", help="create an account; prompts for the password twice").add_argument("name")
    ts.add_parser("list", help="list the accounts")
    ts.add_parser("remove", help="delete an account and end its sessions").add_argument("name")
    ep = ts.add_parser("export-phrasings", help="write the phrasings added in the review queue into phrasings.yaml")
    ep.add_argument("--corpus", type=Path, help="corpus directory (default: QA_CORPUS_DIR or corpus/)")
    ts.add_parser("purge", help="delete flags older than QA_FEEDBACK_RETENTION_DAYS now")
    ts.add_parser("unlock", help="forget the failed sign-ins for a name, so it can sign in at once").add_argument("name")

    d = sub.add_parser("db", help="the staff database's schema")
    ds = d.add_subparsers(dest="db_command", required=True)
    ds.add_parser("upgrade", help="bring the schema up to date now (the server also does it on first use)")

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CorpusError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the corpus; nothing was written", file=sys.stderr)
        return 1
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def cmd_build(args: argparse.Namespace) -> int:
    from qa.corpus import load_corpus

    settings = get_settings()
    corpus_dir = args.corpus or settings.corpus_dir
    if args.check:
        corpus = load_corpus(corpus_dir)
        print(f"{corpus_dir}: ok ({len(corpus.documents)} documents, {len(corpus.directory.services)} services, "
              f"{len(corpus.rules)} safety rules)")
        return 0
    from qa.encoder import encoder_for
    from qa.lifecycle.build import build
    from qa.lifecycle.gate import load_floors

    load_corpus(corpus_dir)  # fail on corpus problems before loading the model
    report = build(corpus_dir, args.out or settings.index_dir, encoder_for(settings),
                   questions=args.questions or settings.questions_file,
                   crisis_questions=settings.crisis_file,
                   wording_questions=settings.wording_file, spanish_questions=settings.spanish_file,
                   training=settings.training_files, crisis_training=settings.crisis_training_files,
                   floors=load_floors(args.floors or settings.floors_file),
                   batch_size=settings.batch_size,
                   progress=not args.quiet, do_publish=not args.dry_run, force=args.force,
                   keep=settings.keep_versions)
    print(report.summary())
    if args.dry_run or report.published:
        return 0
    print("not published: the quality gate refused it (see above); fix the corpus, or publish anyway with --force",
          file=sys.stderr)
    return 3


def cmd_ask(args: argparse.Namespace) -> int:
    from qa import open_engine

    settings = get_settings()
    top_k = args.top_k or settings.default_top_k
    if not 1 <= top_k <= 10:
        raise QAError("--top-k must be between 1 and 10")
    answer = open_engine().answer(args.question, top_k)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    from qa.terminal import format_answer

    print(format_answer(answer))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa import open_engine
    from qa.lifecycle.evaluate import by_category, calibrate_on, failures, figures, load_questions, run

    engine = open_engine()
    split = None if args.split == "all" else args.split
    path = args.file or get_settings().questions_file
    questions = load_questions(path, split)
    if args.calibrate:
        result = calibrate_on(engine, load_questions(path, "tune"))
        print(json.dumps(result, indent=2))
        return 0
    outcomes = run(engine, questions, args.mode)
    figs = figures(outcomes) | {"split": args.split, "mode": args.mode, "index": engine.version.id}
    if args.by_category:
        figs["categories"] = by_category(outcomes)
    if args.json:
        print(json.dumps(figs | ({"failures": failures(outcomes)} if args.failures else {}), indent=2))
        return 0
    if args.by_category:
        names = ("hit@1", "hit@3", "in_scope_answered", "no_answer_recall", "false_alarms")
        _print_table(names, {**figs.pop("categories"), "all": figs})
    else:
        for name, value in figs.items():
            shown = f"{value:.1%}" if isinstance(value, float) and name not in ("median_ms", "mrr") else value
            print(f"{name:22} {shown}")
    if args.failures:
        for f in failures(outcomes):
            print(f"- [{f['split']}] {f['question']!r}: {'; '.join(f['problems'])} (got: {f['got']!r}, "
                  f"confidence {f['confidence']})")
    return 0


def cmd_eval_crisis(args: argparse.Namespace) -> int:
    from qa import open_engine
    from qa.lifecycle.crisis_eval import crisis_failures, crisis_figures, load_crisis_questions, run_crisis

    engine = open_engine()
    questions = load_crisis_questions(args.file or get_settings().crisis_file,
                                      None if args.split == "all" else args.split)
    outcomes = run_crisis(engine, questions)
    figs = crisis_figures(outcomes)
    if args.json:
        extra = {"failures": crisis_failures(outcomes)} if args.failures else {}
        print(json.dumps({"split": args.split, "index": engine.version.id, "categories": figs} | extra, indent=2))
        return 0
    _print_table(("recall", "emergency_recall", "urgent_as_urgent", "false_emergencies", "false_banners"), figs)
    if args.failures:
        for x in crisis_failures(outcomes):
            print(f"- [{x['split']}/{x['category']}] {x['question']!r}: expected {x['expected']}, got {x['got']} "
                  f"(rule {x['rule']}, matched {x['matched']!r}, score {x['score']})")
    return 0


def _print_table(names: tuple[str, ...], rows: dict[str, dict[str, Any]]) -> None:
    """One line per category: its question count and each named figure as a percentage ("-" when none)."""
    print(f"{'category':16} {'n':>4} " + " ".join(f"{n:>17}" for n in names))
    for category, f in rows.items():
        cells = " ".join(f"{'-' if f[n] is None else format(f[n], '.1%'):>17}" for n in names)
        print(f"{category:16} {f['questions']:>4} {cells}")


def cmd_export_model(args: argparse.Namespace) -> int:
    from qa.encoder import files_fingerprint, model_path
    from qa.onnxmodel import export, export_path

    settings = get_settings()
    source = model_path(settings.model)
    target = export_path(settings.onnx_dir, files_fingerprint(source))
    if target.is_file() and not args.force:
        print(f"{target}: already exported from {source}")
        return 0
    export(source, target)
    print(f"{target}: exported from {source} and checked against torch")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from qa.lifecycle.registry import current_version_id

    settings = get_settings()
    if args.index:
        os.environ["QA_INDEX_DIR"] = str(args.index)  # worker processes read the settings anew
        get_settings.cache_clear()
        settings = get_settings()
    # each worker lends a question answered alone its share of the cores (Settings.idle_threads)
    os.environ["QA_WORKERS"] = str(args.workers)
    current_version_id(settings.index_dir)  # no index: say which command builds one, before binding the port
    from web.server import serve

    serve(args.host or settings.host, args.port or settings.port, args.workers)
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from qa.lifecycle.registry import current_version_id, history, list_versions, prune, read_manifest, rollback

    index_dir = get_settings().index_dir
    if args.index_command == "rollback":
        version = rollback(index_dir, args.version)
        print(f"now in service: {version}")
        return 0
    if args.index_command == "prune":
        removed = prune(index_dir, args.keep or get_settings().keep_versions)
        print(f"removed {len(removed)} version(s)" + "".join(f"\n  {v}" for v in removed))
        return 0
    try:
        live = current_version_id(index_dir)
    except QAError:
        live = None
    forced = {h["version"] for h in history(index_dir) if h.get("forced")}
    print(f"{'':2}{'version':42} {'built':20} {'chunks':>6} {'hit@1':>6} {'hit@3':>6} {'gate':8}")
    for v in reversed(list_versions(index_dir)):
        m = read_manifest(index_dir, v) or {}
        figs = (m.get("quality") or {}).get("figures") or {}
        gate = "forced" if v in forced else ("passed" if (m.get("gate") or {}).get("passed", True) else "refused")
        pct = {k: f"{figs[k]:.1%}" if figs.get(k) is not None else "-" for k in ("hit@1", "hit@3")}
        print(f"{'* ' if v == live else '  '}{v:42} {m.get('built_at', '?')[:19]:20} {m.get('chunks', '?'):>6} "
              f"{pct['hit@1']:>6} {pct['hit@3']:>6} {gate:8}")
    if live is None:
        print("nothing in service: run python scripts/build_index.py")
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from qa.staff.db import Store

    settings = get_settings()
    store = Store(settings.database_url)
    try:
        return STAFF_COMMANDS[args.staff_command](args, store, settings)
    finally:
        store.close()


def _staff_add(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    import getpass

    from qa.staff import accounts

    name = accounts.check_name(args.name)
    try:
        password = getpass.getpass(f"Password for {name} ({accounts.MIN_PASSWORD}+ characters): ")
        accounts.check_password(password)
        again = getpass.getpass("The same password again: ")
    except (EOFError, KeyboardInterrupt):
        print("\ncancelled; nothing was changed", file=sys.stderr)
        return 1
    if again != password:
        raise QAError("the two passwords differ; nothing was changed")
    member = accounts.add(store, name, password)
    print(f"added {member.name}; sign in at /staff/login")
    return 0


def _staff_list(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    import datetime as dt

    from qa.staff import accounts

    found = accounts.members(store)
    for m in found:
        print(f"{m.name:30} added {dt.datetime.fromtimestamp(m.created_at, dt.UTC):%Y-%m-%d}")
    print(f"{len(found)} account(s) in {store.name}")
    return 0


def _staff_remove(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from qa.staff import accounts

    accounts.remove(store, args.name)
    print(f"removed {accounts.normalise_name(args.name)} and ended its sessions")
    return 0


def _staff_export(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from qa.staff.review import export_phrasings

    report = export_phrasings(store, args.corpus or settings.corpus_dir)
    print(f"added {len(report.added)} phrasing(s) to {report.path}")
    for p in report.added:
        where = f", paragraph {p.paragraph}" if p.paragraph else ""
        print(f"  + {p.question!r} -> {p.section}{where}")
    if report.already_there:
        print(f"{report.already_there} were already in the file")
    for p, reason in report.refused:
        print(f"  kept for later, {reason}: {p.question!r}", file=sys.stderr)
    if report.added:
        print(f"review the change (git diff {report.path}), then rebuild: python scripts/build_index.py")
    return 0


def _staff_purge(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from qa.staff.flags import purge

    removed = purge(store, settings.feedback_retention_days)
    print(f"deleted {removed} flag(s) older than {settings.feedback_retention_days} days")
    return 0


def _staff_unlock(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from qa.staff import accounts

    forgotten = accounts.unlock(store, args.name)
    print(f"{accounts.normalise_name(args.name)}: {forgotten} failed sign-in(s) forgotten; it can sign in now")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from qa.staff.db import Store
    from qa.staff.migrate import INITIAL

    store = Store(get_settings().database_url)
    try:
        done = store.upgrade()
    finally:
        store.close()
    if done.adopted:
        print(f"{store.name}: made before migrations, adopted at revision {INITIAL}, now at revision {done.after}")
    elif done.before == done.after:
        print(f"{store.name}: already at revision {done.after}")
    else:
        print(f"{store.name}: upgraded from {done.before or 'an empty database'} to revision {done.after}")
    return 0


STAFF_COMMANDS = {"add": _staff_add, "list": _staff_list, "remove": _staff_remove, "export-phrasings": _staff_export,
                  "purge": _staff_purge, "unlock": _staff_unlock}
COMMANDS = {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "eval-crisis": cmd_eval_crisis,
            "export-model": cmd_export_model, "serve": cmd_serve,
            "index": cmd_index,
            "staff": cmd_staff, "db": cmd_db}

if __name__ == "__main__":
    sys.exit(main())
