"""YAML loading that remembers line numbers, so corpus errors can say ``file:line``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping from YAML that knows its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    """A sequence from YAML that knows its line (1-based)."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    d = LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in d:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        d[key] = loader.construct_object(value_node, deep=True)
        d.key_lines[key] = key_node.start_mark.line + 1
    return d


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class YamlProblem(Exception):
    """Malformed YAML; the message is ``file:line: what is wrong``."""


def load_yaml(text: str, path: Path | str, line_offset: int = 0) -> Any:
    """Parse ``text`` (from ``path``) into LineDict/LineList; raise YamlProblem when malformed."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlProblem(f"{path}:{line}: malformed YAML: {e.problem or e}") from e
    except yaml.YAMLError as e:
        raise YamlProblem(f"{path}:{1 + line_offset}: malformed YAML: {e}") from e
    if line_offset:
        _shift(data, line_offset)
    return data


def _shift(node: Any, offset: int) -> None:
    if isinstance(node, LineDict):
        node.line += offset
        node.key_lines = {k: v + offset for k, v in node.key_lines.items()}
        for v in node.values():
            _shift(v, offset)
    elif isinstance(node, LineList):
        node.line += offset
        for v in node:
            _shift(v, offset)


def line_of(node: Any, key: str | None = None, default: int = 1) -> int:
    """Line of ``node`` (or of its ``key``) when known, else ``default``."""
    if key is not None and isinstance(node, LineDict) and key in node.key_lines:
        return node.key_lines[key]
    return getattr(node, "line", default) or default


def read_mapping(path: Path, list_key: str, what: str) -> LineDict:
    """Read a YAML file that must be a mapping holding a ``list_key:`` list.

    Raises CorpusError with ``file:line: what is wrong`` when the file is missing (named by
    ``what``), malformed, or shaped otherwise.
    """
    from qa.errors import CorpusError

    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), path)
    except FileNotFoundError as e:
        raise CorpusError([f"{path}: missing {what}"]) from e
    except YamlProblem as e:
        raise CorpusError([str(e)]) from e
    if not isinstance(data, LineDict) or not isinstance(data.get(list_key), LineList):
        raise CorpusError([f"{path}:1: expected a mapping with a '{list_key}:' list"])
    return data


def is_text_list(value: Any) -> bool:
    """True for a list of non-empty strings (what every list field of the corpus holds)."""
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
