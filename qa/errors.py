"""Domain errors. The web layer maps each to an HTTP status in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.records import Safety


class QAError(Exception):
    """Base class of every error the library raises on purpose."""


class SettingsError(QAError):
    """A setting has a bad value."""


class CorpusError(QAError):
    """The corpus has problems; ``problems`` holds one ``file:line: what is wrong`` per item."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class BoardError(QAError):
    """The workers' shared board of questions in flight cannot be used (``qa.inflight``)."""


class IndexUnusableError(QAError):
    """The index cannot be used; the message names the fix."""


class IndexNotBuiltError(IndexUnusableError):
    """No published index version exists."""


class IndexCorruptError(IndexUnusableError):
    """An index version is missing files, truncated, or was built with another model."""


class IndexWriteError(QAError):
    """The index folder could not be written (disk full, read-only, no permission): nothing was
    published and no partial version was left behind."""


class QuestionError(QAError):
    """A question the service refuses to handle (empty, too long, control characters).

    ``safety`` is set when the refused text itself signals danger (a ``qa.records.Safety``).
    ``message`` is the English message id with ``{placeholders}`` and ``params`` their values, so a
    page can say it in the reader's language (``qa.i18n``); ``str(e)`` is the English sentence.
    """

    safety: Safety | None = None

    def __init__(self, message: str, **params: object):
        self.message = message
        self.params = params
        super().__init__(message.format(**params))


class ModelError(QAError):
    """The bundled embedding model cannot be loaded."""
