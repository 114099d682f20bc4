"""Spanish questions read in English, for the model: Apertium's Spanish-to-English machine translation.

The bundled model reads English only: a Spanish question sits near every Spanish phrasing whatever it
asks, and the English words its lexicon terms stand for (``Lexical.gloss``) say only which subjects of
the FAQ it names. A translation says the rest ("donde venden los mejores tacos en hartford" -> "where
they sell the best tacos in hartford", which is near no passage). It is searched beside the question
(``Engine``), never shown: a person reads the FAQ's own words and the question as they wrote it.

The translator is Apertium (Debian's ``apertium`` and ``apertium-en-es``, installed by the Makefile),
rule-based, offline, about 1 ms a question: two of its programs run for the life of the process, in
null-flush mode, each answering a line ended by a NUL with its output ended by a NUL:

- the Spanish morphological analyser, which says which words it knows; people write without accents and
  in short forms ("q", "pa", "x"), so each word it does not know is replaced by the first accented
  spelling it does ("policia" -> "policía", "prostitucion" -> "prostitución") before translating;
- the translation pipeline itself (``apertium-wblank-mode -z`` of the ``spa-eng_US`` mode).

When Apertium is not installed, or a program fails or takes longer than ``TIMEOUT``, the question is
searched as before, without a translation; the failure is logged (never the question) and the programs
are started again for the next question.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("qa.translation")

APERTIUM = Path("/usr/share/apertium")
MODE = "spa-eng_US"  # Spanish to American English
ANALYSER = APERTIUM / "apertium-eng-spa" / "spa-eng.automorf.bin"
TIMEOUT = 2.0  # seconds for one answer of one program; past it the program is restarted
LONGEST = 2000  # characters translated at most (a question is shorter: QA_MAX_QUESTION_CHARS)

# The short forms people text in Spanish, read as the words they stand for before the analyser sees them
# (written from knowledge of how Spanish is texted; the same forms text.STOPWORDS_ES leaves out of search)
TEXTING = {
    "q": "que", "k": "que", "ke": "que", "pa": "para", "x": "por", "xq": "porque", "pq": "porque",
    "porq": "porque", "xk": "porque", "tb": "también", "tmb": "también", "tambn": "también", "toy": "estoy",
    "ta": "está", "d": "de", "dnd": "dónde", "xfa": "por favor", "porfa": "por favor",
    "tons": "entonces", "bn": "bien", "msj": "mensaje", "cel": "celular", "tel": "teléfono", "sta": "está",
}
_ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}
_WORD = re.compile(r"[^\W\d_]+")
_RESERVED = re.compile(r"([\[\]^$/\\@<>{}*#])")  # Apertium's stream format: escaped with a backslash
_ESCAPED = re.compile(r"\\(.)")
_UNIT = re.compile(r"\^((?:[^$\\]|\\.)*)\$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class _Program:
    """One Apertium program (a shell pipeline) running in null-flush mode, asked one line at a time."""

    def __init__(self, command: str):
        self.command = command
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0  # the process that started it: a forked child starts its own

    def ask(self, line: str, timeout: float) -> str:
        proc = self._running()
        assert proc.stdin is not None and proc.stdout is not None
        os.write(proc.stdin.fileno(), line.encode() + b"\n\0")
        out = b""
        deadline = time.monotonic() + timeout
        while not out.endswith(b"\0"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                raise TimeoutError(f"no answer within {timeout} s")
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError("the program ended")
            out += chunk
        return out[:-1].decode("utf-8", "replace")

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None or self._pid != os.getpid():
            self.stop()
            # its own process group, so that stop() ends every program of the pipeline, not only the shell;
            # the command is Apertium's own (its installed mode file), never anything a person sent
            self._proc = subprocess.Popen(["/bin/sh", "-c", self.command], stdin=subprocess.PIPE,  # noqa: S603
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
            self._pid = os.getpid()
        return self._proc

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or self._pid != os.getpid():
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


class Translator:
    """Spanish to English with Apertium; ``english(text)`` is "" when it cannot translate.

    ``pipeline`` and ``analyser``: the shell commands of the two programs (None: Apertium's, when
    installed). Safe to call from several threads (one question is translated at a time).
    """

    def __init__(self, pipeline: str | None = None, analyser: str | None = None, timeout: float = TIMEOUT):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._warned = False
        if pipeline is None or analyser is None:
            pipeline, analyser = _apertium()
        self.available = bool(pipeline) and bool(analyser)
        self._pipeline = _Program(pipeline or "")
        self._analyser = _Program(analyser or "")

    @property
    def identity(self) -> str:
        """What translates (recorded with the thresholds calibrated on its translations): "" for nothing."""
        return f"apertium {MODE}" if self.available else ""

    def english(self, text: str) -> str:
        """``text`` (Spanish) in English, or "" when it cannot be translated now."""
        if not self.available:
            return ""
        line = _CONTROL.sub(" ", text[:LONGEST]).strip()
        if not line:
            return ""
        with self._lock:
            try:
                spelt = self._respell(line)
                out = self._pipeline.ask(_RESERVED.sub(r"\\\1", spelt), self.timeout)
            except (OSError, TimeoutError, EOFError, ValueError) as e:
                self._pipeline.stop()
                self._analyser.stop()
                log.warning("a Spanish question is searched without its translation: %s: %s", type(e).__name__, e)
                return ""
        return " ".join(_ESCAPED.sub(r"\1", out).split())

    def _respell(self, line: str) -> str:
        """``line`` with texted short forms written out, and each word the analyser does not know replaced
        by its first accented spelling that it does know (one question to the analyser)."""
        words = {w.lower() for w in _WORD.findall(line) if w.lower() not in TEXTING}
        known = self._known(sorted({v for w in words for v in (w, *_spellings(w))}))

        def spelt(m: re.Match[str]) -> str:
            word = m.group(0)
            lower = word.lower()
            if lower in TEXTING:
                return TEXTING[lower]
            if lower in known:
                return word
            return next((v for v in _spellings(lower) if v in known), word)

        return _WORD.sub(spelt, line)

    def _known(self, words: list[str]) -> set[str]:
        if not words:
            return set()
        out = self._analyser.ask("\n".join(words), self.timeout)
        units = [u.split("/", 1) for u in _UNIT.findall(out)]
        return {u[0] for u in units if len(u) == 2 and not u[1].startswith("*")}

    def close(self) -> None:
        with self._lock:
            self._pipeline.stop()
            self._analyser.stop()


def _spellings(word: str) -> list[str]:
    """``word`` with one vowel accented, or one n written ñ: how it may be spelt with its accents."""
    out = [word[:i] + _ACCENTS[c] + word[i + 1:] for i, c in enumerate(word) if c in _ACCENTS]
    return out + [word[:i] + "ñ" + word[i + 1:] for i, c in enumerate(word) if c == "n"]


def _apertium() -> tuple[str | None, str | None]:
    """The commands of Apertium's translation pipeline and analyser, or (None, None) when not installed."""
    mode = APERTIUM / "modes" / f"{MODE}.mode"
    tool = shutil.which("apertium-wblank-mode")
    if tool is None or not mode.is_file() or not ANALYSER.is_file() or shutil.which("lt-proc") is None:
        return None, None
    try:
        made = subprocess.run([tool, "-z", str(mode)], capture_output=True, text=True, timeout=10,  # noqa: S603
                              check=True)
    except (OSError, subprocess.SubprocessError):
        return None, None
    # $1: how the generator marks words it cannot inflect (-n: not at all); $2: the tagger's options
    pipeline = made.stdout.strip().replace("$1", "-n").replace("$2", "")
    return pipeline, f"lt-proc -z '{ANALYSER}'"


@lru_cache(maxsize=1)
def shared() -> Translator:
    """This process's translator, as ``QA_TRANSLATOR`` says ("off": one that never translates)."""
    from qa.config import get_settings

    if get_settings().translator == "off":
        return Translator("", "")
    translator = Translator()
    atexit.register(translator.close)  # its programs end with the process, not after it
    if not translator.available:
        log.warning("Apertium is not installed (make setup installs it): Spanish questions are searched untranslated")
    return translator
