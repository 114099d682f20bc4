"""The ``qa`` command: build, ask, eval, serve, index. Each prints for a person and exits non-zero on errors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.config import ROOT, get_settings
from qa.errors import CorpusError, QAError

EVAL_FILE = ROOT / "tests" / "eval" / "questions.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qa", description="Windham Answers: cited answers from an FAQ corpus.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="validate corpus/, embed it and publish a new index version")
    b.add_argument("--corpus", type=Path, help="corpus directory (default: QA_CORPUS_DIR or corpus/)")
    b.add_argument("--out", type=Path, help="index directory (default: QA_INDEX_DIR or index/)")
    b.add_argument("--questions", type=Path, default=EVAL_FILE, help="labelled questions used to calibrate")
    b.add_argument("--check", action="store_true", help="only validate the corpus and list every problem")
    b.add_argument("--dry-run", action="store_true", help="build and report but do not publish")
    b.add_argument("--quiet", action="store_true", help="no progress bar")

    a = sub.add_parser("ask", help="answer a question from the published index")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=None, help="passages to show, 1-10")
    a.add_argument("--json", action="store_true", help="print the API's JSON")

    e = sub.add_parser("eval", help="measure answer quality on labelled questions")
    e.add_argument("file", nargs="?", type=Path, default=EVAL_FILE)
    e.add_argument("--split", choices=["tune", "test", "all"], default="test")
    e.add_argument("--mode", choices=["dense", "lexical", "rrf", "hybrid"], default="hybrid")
    e.add_argument("--json", action="store_true", help="print figures as JSON")
    e.add_argument("--failures", action="store_true", help="list the questions that went wrong")
    e.add_argument("--calibrate", action="store_true", help="print the threshold the tune split would choose")

    s = sub.add_parser("serve", help="serve the web app")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--index", type=Path, default=None, help="index directory (default: QA_INDEX_DIR)")

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CorpusError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)  # noqa: T201
        print(f"{len(err.problems)} problem(s) in the corpus; nothing was written", file=sys.stderr)  # noqa: T201
        return 1
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)  # noqa: T201
        return 1


def cmd_build(args) -> int:
    from qa.sources import load_corpus

    settings = get_settings()
    corpus_dir = args.corpus or settings.corpus_dir
    if args.check:
        corpus = load_corpus(corpus_dir)
        print(f"{corpus_dir}: ok ({len(corpus.documents)} documents, {len(corpus.directory.services)} services, "  # noqa: T201
              f"{len(corpus.rules)} safety rules)")
        return 0
    from qa.build import build
    from qa.encoder import get_encoder

    load_corpus(corpus_dir)  # fail on corpus problems before loading the model
    report = build(corpus_dir, args.out or settings.index_dir, get_encoder(settings.model),
                   questions=args.questions, batch_size=settings.batch_size, progress=not args.quiet,
                   do_publish=not args.dry_run)
    print(report.summary())  # noqa: T201
    return 0


def cmd_ask(args) -> int:
    from qa import open_engine

    settings = get_settings()
    top_k = args.top_k or settings.default_top_k
    if not 1 <= top_k <= 10:
        raise QAError("--top-k must be between 1 and 10")
    answer = open_engine().answer(args.question, top_k)
    if args.json:
        print(answer.model_dump_json(indent=2))  # noqa: T201
        return 0
    from qa.text import format_answer

    print(format_answer(answer))  # noqa: T201
    return 0


def cmd_eval(args) -> int:
    from qa import open_engine
    from qa.evaluate import calibrate_on, failures, figures, load_questions, run

    engine = open_engine()
    split = None if args.split == "all" else args.split
    questions = load_questions(args.file, split)
    if args.calibrate:
        result = calibrate_on(engine, load_questions(args.file, "tune"))
        print(json.dumps(result, indent=2))  # noqa: T201
        return 0
    outcomes = run(engine, questions, args.mode)
    figs = figures(outcomes) | {"split": args.split, "mode": args.mode, "index": engine.version.id}
    if args.json:
        print(json.dumps(figs | ({"failures": failures(outcomes)} if args.failures else {}), indent=2))  # noqa: T201
        return 0
    for name, value in figs.items():
        shown = f"{value:.1%}" if isinstance(value, float) and name not in ("median_ms", "mrr") else value
        print(f"{name:22} {shown}")  # noqa: T201
    if args.failures:
        for f in failures(outcomes):
            print(f"- [{f['split']}] {f['question']!r}: {'; '.join(f['problems'])} (got: {f['got']!r}, "  # noqa: T201
                  f"confidence {f['confidence']})")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from web.app import create_app

    settings = get_settings()
    if args.index:
        settings = settings.model_copy(update={"index_dir": args.index})
    app = create_app(settings)
    # access_log off: request lines could carry what people ask, and we never log questions.
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port, access_log=False,
                server_header=False)
    return 0


COMMANDS = {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "serve": cmd_serve}

if __name__ == "__main__":
    sys.exit(main())
