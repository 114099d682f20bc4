"""The corpus's YAML reader (qa/corpus/yamlfile.py): files are read by libyaml's C parser held to
YAML 1.2's core schema, and must come out exactly as ruamel's round-trip parser (which keeps lines)
reads them; a problem still names its line."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

import pytest

from qa.config import ROOT
from qa.corpus import yamlfile
from qa.corpus.services import ServicesFile
from qa.errors import CorpusError
from tests.conftest import CORPUS


def plain(value):
    """ruamel's round-trip values as plain Python (its mappings, lists and scalar strings)."""
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):  # ruamel's ScalarInt, OctalInt, HexInt keep how the number was written
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.date(value.year, value.month, value.day)
    return value


FILES = sorted([*Path(CORPUS).glob("*.yaml"), *(ROOT / "eval").glob("*.yaml")])


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shipped_file_reads_the_same_in_c_as_in_round_trip(path):
    text = path.read_text(encoding="utf-8")
    fast = yamlfile.fast_parse(text, path)
    assert isinstance(fast, yamlfile.Parsed)
    assert dict(fast) == plain(yamlfile.parse(text, path))


@pytest.mark.parametrize("scalar", ["no", "No", "on", "off", "yes", "y", "n", "true", "False", "010", "0o17", "0x1F",
                                    "1:20", "9:30", "1_000", "1e3", "-2.5", ".5", ".inf", "-.inf", ".nan", "~", "null",
                                    "", "2026-11-26", "+1 860 456 1111", "'no'", '"010"', "12:30 pm"])
def test_a_scalar_means_what_ruamel_says_it_means(scalar):
    """YAML 1.1's booleans (no, on, yes) and sexagesimal numbers (9:30 -> 570) would change what a
    maintainer wrote: an opening time read as a number is a wrong fact."""
    text = f"value: {scalar}\nlist: [{scalar or '~'}]\n"
    fast, slow = dict(yamlfile.fast_parse(text, "x.yaml")), plain(yamlfile.parse(text, "x.yaml"))
    nan = scalar.lower() == ".nan"
    assert (repr(fast) == repr(slow)) if nan else (fast == slow and type(fast["value"]) is type(slow["value"])), (fast, slow)


def test_a_problem_in_a_file_read_fast_still_names_its_line(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text("# a comment\nservices:\n  - id: one\n    name: One\n\n  - id: two\n    name: Two\n    bogus: 1\n"
                    "  - id: one\n    name: One again\n", encoding="utf-8")
    data = yamlfile.read(path, "services file")
    assert isinstance(data, yamlfile.Parsed)
    assert yamlfile.duplicate_ids(data, "services", path, "service") == [
        f"{path}:9: duplicate service id 'one' (first at line 3)"]
    with pytest.raises(CorpusError) as e:
        yamlfile.validate(ServicesFile, data, path)
    assert any(p.startswith(f"{path}:8: ") and "bogus" in p for p in e.value.problems), e.value.problems


def test_malformed_yaml_is_reported_with_its_line_by_the_round_trip_parser(tmp_path):
    path = tmp_path / "safety.yaml"
    path.write_text("rules:\n  - id: a\n    phrases: [one, two\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        yamlfile.read(path, "safety rules file")
    assert e.value.problems[0].startswith(f"{path}:") and "malformed YAML" in e.value.problems[0]


def test_a_key_given_twice_is_refused_with_its_line_as_ruamel_refuses_it(tmp_path):
    """PyYAML keeps the last of two equal keys without a word; a maintainer's second "phone:" must
    not silently replace the first."""
    path = tmp_path / "services.yaml"
    path.write_text("services:\n  - id: one\n    name: One\n    name: Two\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        yamlfile.read(path, "services file")
    assert e.value.problems[0].startswith(f"{path}:4: malformed YAML") and "duplicate key" in e.value.problems[0]
