"""The one YAML reader (and writer) of the corpus, and validation of what it reads against pydantic models.

ruamel.yaml's round-trip mode keeps the line of every mapping, key and list item, so a validation
error from a model is reported as ``file:line: what is wrong`` at the line a maintainer must edit;
the same mode writes ``phrasings.yaml`` back with its comments, quoting and order untouched.

Reading a whole file (``read``) takes libyaml's C parser instead (PyYAML's ``CSafeLoader``), held
to the YAML 1.2 core schema that ruamel reads: it was 0.28 s of the server's 1.9 s start in ruamel,
and 0.01 s in C. Lines are only wanted when something is wrong, so the first error that needs one
parses the file again in round-trip mode (``line_of``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import yaml as pyyaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from qa.errors import CorpusError

M = TypeVar("M", bound=BaseModel)

# What every corpus file's models share: a non-empty text (spaces trimmed), and records that refuse
# unknown fields (a misspelt key is a problem with its line, never silently ignored) and never change.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

# What a field must hold, said the way a maintainer fixes it; used when a value has the wrong shape.
SHAPES = {
    "phrases": "'phrases' must be a list of non-empty texts, like [one, two]",
    "patterns": "'patterns' must be a list of non-empty texts, like [one, two]",
    "services": "'services' must be a list of service ids, like [one, two]",
    "categories": "'categories' must be a list of non-empty texts, like [one, two]",
    "aliases": "'aliases' must be a list of non-empty texts, like [one, two]",
    "languages": "'languages' must be a list of non-empty texts, like [one, two]",
    "examples": "'examples' must be a list of non-empty texts, like [one, two]",
    "contacts": "'contacts' must be a list of {number: ..., kind: voice|text}",
    "phones": "'phones' must be a list of {number: ..., kind: voice|text}",
    "fallback": "'fallback' must be a list of service ids",
    "topics": "'topics' must map a category to a list of words",
    "source": "source must be {document: <document id>, section: <exact question heading>}",
    "passages": "each passage is {document, section, paragraph}",
    "document": "'document' and 'section' must be texts",
    "section": "'document' and 'section' must be texts",
    "questions": "'questions' must be a list of non-empty strings",
    "keys": "'keys' must be a list of non-empty texts, like [one, two]",
    "synonyms": "each synonym group is a list of 2 or more words",
    "out_of_scope": "'out_of_scope' must be a list of questions",
}
SHAPE_ERRORS = {"list_type", "string_type", "dict_type", "model_type", "model_attributes_type", "tuple_type",
                "int_type", "int_parsing", "bool_type", "bool_parsing", "float_type", "float_parsing", "too_short",
                "string_too_short"}


def _yaml() -> YAML:
    y = YAML()  # round-trip: keeps lines, comments and quoting
    y.preserve_quotes = True
    y.width = 1 << 16  # never fold a long question over two lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


class _Core12Loader(pyyaml.CSafeLoader):
    """libyaml, resolving plain scalars as YAML 1.2's core schema does (and ruamel with it): only
    true/false are booleans ("no", "on" and "yes" stay words), no sexagesimal "1:20" or octal "010";
    and a key given twice in one mapping is an error, as in ruamel (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise pyyaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return cast(dict[Any, Any], super().construct_mapping(node, deep=deep))


_CORE_12 = {
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
}
_Core12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _CORE_12]
    for first, resolvers in pyyaml.SafeLoader.yaml_implicit_resolvers.items()}
for _tag, (_regex, _first) in _CORE_12.items():
    _Core12Loader.add_implicit_resolver(_tag, re.compile(_regex), list(_first))


def _core_12_int(loader: Any, node: Any) -> int:
    """An integer as ruamel reads it: "010" is ten (YAML 1.1 made it eight), 0o, 0x and 0b say their base."""
    text = loader.construct_scalar(node).replace("_", "")
    bases = {"0o": 8, "0x": 16, "0b": 2}
    return int(text[2:], bases[text[:2]]) if text[:2] in bases else int(text, 10)


_Core12Loader.add_constructor("tag:yaml.org,2002:int", _core_12_int)


class Parsed(dict):  # type: ignore[type-arg]
    """A file's top mapping as the C parser read it, with the text it came from: ``line_of`` parses
    that again, with lines, when an error has to name one."""

    source: tuple[str, int]  # (the text, its line offset in the file)


def fast_parse(text: str, path: Path | str, line_offset: int = 0) -> Any:
    """``text`` parsed by libyaml (YAML 1.2 core scalars): what ``parse`` gives, without the lines;
    a top mapping comes back as ``Parsed``. Malformed YAML is reported by ``parse``, with its line."""
    try:
        data = pyyaml.load(text, Loader=_Core12Loader)  # noqa: S506 - a safe loader, only its scalars changed
    except pyyaml.YAMLError:
        return parse(text, path, line_offset)
    if isinstance(data, dict):
        data = Parsed(data)
        data.source = (text, line_offset)
    return data


def parse(text: str, path: Path | str, line_offset: int = 0) -> Any:
    """Parse ``text`` (from ``path``); CorpusError ``file:line: malformed YAML: ...`` when it is not YAML.

    ``line_offset`` is added to reported lines (front matter starts below the file's first line).
    """
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        raise CorpusError([f"{path}:{line}: malformed YAML: {e.problem or e}"]) from e
    except YAMLError as e:
        raise CorpusError([f"{path}:{1 + line_offset}: malformed YAML: {e}"]) from e
    return data


def read(path: Path, what: str, required: bool = True) -> Any:
    """Parse the YAML file ``path``; a missing file is a CorpusError naming ``what`` (None when optional)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        if not required:
            return None
        raise CorpusError([f"{path}: missing {what}"]) from e
    except UnicodeDecodeError as e:
        raise CorpusError([f"{path}:1: not UTF-8 text ({e.reason})"]) from e
    return fast_parse(text, path)


def dump(data: Any) -> str:
    """``data`` (as ``read`` returned it, possibly changed) as YAML text in the file's own style."""
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def line_of(node: Any, loc: tuple[int | str, ...] = (), line_offset: int = 0) -> int:
    """The 1-based line of the value at ``loc`` under ``node`` (the deepest one the file places)."""
    node, line_offset = with_lines(node, line_offset)
    line = 0
    for step in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, Mapping) and step in node:
            line = lc.key(step)[0] if lc is not None else line
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            line = lc.item(step)[0] if lc is not None else line
            node = node[step]
        else:
            break
    if not loc:
        lc = getattr(node, "lc", None)
        line = lc.line if lc is not None else 0
    return line + 1 + line_offset


def with_lines(data: Any, line_offset: int = 0) -> tuple[Any, int]:
    """``data`` with the lines of its file: a ``Parsed`` mapping is parsed again in round-trip mode
    (with its own line offset); anything else is returned as it is."""
    if isinstance(data, Parsed):
        text, offset = data.source
        return _yaml().load(text), offset
    return data, line_offset


Labeller = Callable[[tuple[int | str, ...], Any], str]


def record_label(list_key: str, noun: str) -> Labeller:
    """A ``label`` for ``validate`` that names the record of the ``list_key`` list an error sits in
    (``service 'windham-hospital': ...``)."""

    def label(loc: tuple[int | str, ...], data: Any) -> str:
        if len(loc) > 1 and loc[0] == list_key and isinstance(loc[1], int):
            try:
                return f"{noun} '{data[list_key][loc[1]].get('id', '?')}': "
            except (AttributeError, IndexError, KeyError, TypeError):
                return ""
        return ""

    return label


def validate(model: type[M], data: Any, path: Path | str, *, label: Labeller | None = None,
             context: dict[str, Any] | None = None, line_offset: int = 0) -> M:
    """``data`` validated as ``model``; CorpusError with one ``file:line: what is wrong`` per problem.

    ``label(loc, data)`` may name the record an error sits in ("service 'x': "); ``context`` is passed
    to the model's validators (the sections and services that references must name).
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as e:
        problems = []
        data, line_offset = with_lines(data, line_offset)  # once, not per problem
        for err in e.errors():
            loc = tuple(err["loc"])
            prefix = label(loc, data) if label else ""
            problems.append(f"{path}:{line_of(data, loc, line_offset)}: {prefix}{describe(err)}")
        raise CorpusError(list(dict.fromkeys(problems))) from None


def duplicate_ids(data: Any, list_key: str, path: Path | str, what: str) -> list[str]:
    """``file:line`` problems for items of the ``list_key`` list whose ``id`` an earlier item has."""
    items = data.get(list_key) if isinstance(data, Mapping) else None
    first: dict[str, int] = {}
    again: list[tuple[int, int, str]] = []  # (item, the item that had its id first, the id)
    for i, item in enumerate(items if isinstance(items, list) else []):
        sid = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(sid, str):
            continue
        if sid in first:
            again.append((i, first[sid], sid))
        first.setdefault(sid, i)
    if not again:
        return []  # lines are looked up only for a problem: without them the file is not parsed again
    data, line_offset = with_lines(data)
    return [f"{path}:{line_of(data, (list_key, i), line_offset)}: duplicate {what} id '{sid}' "
            f"(first at line {line_of(data, (list_key, j), line_offset)})" for i, j, sid in again]


def describe(err: Mapping[str, Any]) -> str:
    """One pydantic error as a maintainer reads it."""
    loc = [p for p in err["loc"] if isinstance(p, str)]
    name = loc[-1] if loc else "value"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown field '{name}'"
    if kind == "missing":
        return f"missing required field '{name}'"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"'{name}' must be {err['ctx']['expected']}, not {err['input']!r}"
    if kind in SHAPE_ERRORS:
        for field in loc[1:] if len(loc) > 1 and loc[0] in ("services", "rules", "phrasings", "questions") else loc:
            if field in SHAPES:
                return SHAPES[field]
    return f"'{name}': {err['msg']}"


def load(path: Path, model: type[M], what: str) -> M:
    """The YAML file ``path`` read and validated as ``model`` (CorpusError as ``read`` and ``validate``
    raise it), remembered per version of the file (its size and modification time): a build reads
    each labelled question file several times, and parsing with line numbers is slow."""
    try:
        stat = Path(path).stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        stamp = None  # read says what is wrong
    return cast(M, _load(Path(path), stamp, model, what))


@lru_cache(maxsize=32)
def _load(path: Path, stamp: tuple[int, int] | None, model: type[M], what: str) -> M:
    return validate(model, read(path, what), path)
