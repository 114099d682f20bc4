"""Adding alternate phrasings to ``phrasings.yaml`` the way a maintainer would by hand.

``add_phrasings(text, new)`` returns the file's text with each new question appended to the list of
the entry for its section (and paragraph), or, when there is no such entry, a new entry at the end
written in the style of the existing ones. Comments, order, quoting and blank lines are left as
they were, so the change reads as a normal diff. The result is parsed again and must hold exactly
the old phrasings plus the new ones, or nothing is returned.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from qa.errors import CorpusError
from qa.sources import Phrasing
from qa.yamlio import LineDict, YamlProblem, load_yaml

HEADER = """\
# Alternate phrasings ("also asked as"): other ways people ask what a section answers.
# Each is embedded as an extra search key pointing to the section's passages (or to one paragraph
# when `paragraph` is given). They are never shown to anyone; only the FAQ's own words are.
phrasings:
"""


def same(a: str, b: str) -> bool:
    """Whether two questions are the same phrasing (case and spacing aside)."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def existing(text: str, path: Path | str = "phrasings.yaml") -> list[Phrasing]:
    """The phrasings a ``phrasings.yaml`` text holds (unchecked against the documents)."""
    out = []
    for e in _entries(text, path):
        for q in e.get("questions") or []:
            if isinstance(q, str):
                out.append(Phrasing(e.get("document"), e.get("section"), e.get("paragraph"), q.strip()))
    return out


def add_phrasings(text: str, new: list[Phrasing], path: Path | str = "phrasings.yaml") -> tuple[str, list[Phrasing]]:
    """``text`` with ``new`` phrasings added; returns the new text and the phrasings actually added.

    A phrasing already in the file (or twice in ``new``) is added once. CorpusError when the file
    cannot be parsed or edited safely.
    """
    if not text.strip():
        text = HEADER
    before = existing(text, path)
    added: list[Phrasing] = []
    for p in new:
        if not any(_key(p) == _key(o) and same(p.question, o.question) for o in before + added):
            added.append(p)
    if not added:
        return text, []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    entries = _entries(text, path)
    dash, key = _indents(lines, entries)
    inserts: dict[int, list[str]] = {}  # insert after this 0-based line index
    appended: list[str] = []
    for group, questions in _grouped(added).items():
        where = _append_point(lines, [e for e in entries if _entry_key(e) == group])
        if where is None:
            appended += _block(group, questions, dash, key)
        else:
            after, indent = where
            inserts.setdefault(after, []).extend(f"{' ' * indent}- {_scalar(q)}\n" for q in questions)
    for after in sorted(inserts, reverse=True):
        lines[after + 1:after + 1] = inserts[after]
    result = "".join(lines + appended)
    if Counter(map(_full, existing(result, path))) != Counter(map(_full, before + added)):
        raise CorpusError([f"{path}:1: could not add phrasings without changing others; add them by hand"])
    return result, added


def _entries(text: str, path: Path | str) -> list[LineDict]:
    try:
        data = load_yaml(text, path)
    except YamlProblem as e:
        raise CorpusError([str(e)]) from e
    if data is None:
        return []
    if not isinstance(data, dict) or "phrasings" not in data:
        raise CorpusError([f"{path}:1: expected a mapping with a 'phrasings:' list"])
    items = data["phrasings"] or []
    if not isinstance(items, list):
        raise CorpusError([f"{path}:1: 'phrasings' must be a list"])
    return [e for e in items if isinstance(e, LineDict)]


def _key(p: Phrasing) -> tuple:
    return (p.document, p.section, p.paragraph)


def _entry_key(e: LineDict) -> tuple:
    return (e.get("document"), e.get("section"), e.get("paragraph"))


def _full(p: Phrasing) -> tuple:
    return (*_key(p), p.question)


def _grouped(phrasings: list[Phrasing]) -> dict[tuple, list[str]]:
    groups: dict[tuple, list[str]] = {}
    for p in phrasings:
        groups.setdefault(_key(p), []).append(p.question)
    return groups


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indents(lines: list[str], entries: list[LineDict]) -> tuple[int, int]:
    """Columns of the ``-`` that starts an entry and of its keys, copied from the first entry."""
    if entries:
        line = lines[entries[0].line - 1]
        dash = line.find("-")
        if dash >= 0 and line[dash + 1:dash + 2] == " ":
            return dash, dash + 2 + _indent(line[dash + 2:])
    return 2, 4


def _append_point(lines: list[str], candidates: list[LineDict]) -> tuple[int, int] | None:
    """(index of the last line of the last matching entry's ``questions`` list, indent of its items)."""
    for entry in reversed(candidates):
        if "questions" not in entry.key_lines:
            continue
        at = entry.key_lines["questions"] - 1
        col = lines[at].find("questions")
        rest = lines[at][col + len("questions"):].split("#", 1)[0].strip()
        if col < 0 or rest != ":":
            continue  # an inline or flow-style list: leave it alone
        last, item = None, None
        for j in range(at + 1, len(lines)):
            stripped = lines[j].strip()
            if not stripped or stripped.startswith("#"):
                continue
            indent = _indent(lines[j])
            is_item = stripped == "-" or stripped.startswith("- ")
            if indent > col or (indent == col and is_item):
                if is_item and item is None:
                    item = indent
                last = j
            else:
                break
        if last is not None and item is not None:
            return last, item
    return None


def _block(group: tuple, questions: list[str], dash: int, key: int) -> list[str]:
    document, section, paragraph = group
    out = [f"{' ' * dash}- document: {_scalar(document)}\n", f"{' ' * key}section: {_scalar(section)}\n"]
    if paragraph is not None:
        out.append(f"{' ' * key}paragraph: {paragraph}\n")
    out.append(f"{' ' * key}questions:\n")
    out += [f"{' ' * (key + 2)}- {_scalar(q)}\n" for q in questions]
    return out


def _scalar(value: str) -> str:
    """``value`` as a one-line YAML scalar, quoted only when YAML needs it."""
    dumped = yaml.safe_dump([value], allow_unicode=True, width=1 << 30, default_flow_style=False)
    return dumped.removeprefix("- ").rstrip("\n")
