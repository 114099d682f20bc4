"""Docs that cannot drift: every setting and every CLI command is in the README."""

import re

import pytest

from qa.cli import COMMANDS
from qa.config import ROOT, Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field):
    assert f"`QA_{field.upper()}`" in README, f"QA_{field.upper()} is missing from the README's settings table"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_cli_command_is_documented(command):
    assert re.search(rf"`qa {command}\b", README), f"'qa {command}' is missing from the README's CLI table"


def test_readme_starts_with_the_two_commands():
    head = README.split("## ")[0]
    assert "make run" in head and "make test" in head
