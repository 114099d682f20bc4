"""The index version in service, for a long-running process.

``Live`` holds one ``Engine`` and swaps it for a newly published version only after loading and
checking that version completely, off the request path. A request reads ``live.engine`` once and
keeps that engine to the end, so it finishes on the version it started with.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from qa.answering.engine import MAX_QUESTION_CHARS, Engine
from qa.encoder import Encoder
from qa.errors import IndexUnusableError
from qa.index.format import load_version
from qa.lifecycle.registry import current_version_id

log = logging.getLogger("qa.lifecycle.live")
SMOKE_QUESTION = "where can I get help"


@dataclass(frozen=True)
class Refusal:
    version: str
    reason: str


class Live:
    """The engine in service, and the last version refused (if any)."""

    def __init__(self, index_dir: Path, encoder: Encoder, max_question_chars: int = MAX_QUESTION_CHARS):
        self.index_dir = Path(index_dir)
        self.encoder = encoder
        self.max_question_chars = max_question_chars
        self._lock = threading.Lock()
        self.refused: Refusal | None = None
        self.engine: Engine = self._load(current_version_id(self.index_dir))

    def _load(self, version_id: str) -> Engine:
        version = load_version(self.index_dir / "versions" / version_id, self.encoder.name, self.encoder.dimension)
        engine = Engine(version, self.encoder, self.max_question_chars)
        engine.answer(SMOKE_QUESTION)  # a version that cannot answer is not put in service
        return engine

    def refresh(self) -> bool:
        """Load the published version if it changed; True when a new version went into service.

        A version that fails its checks is refused: the old one stays, and ``refused`` says why.
        """
        with self._lock:
            try:
                wanted = current_version_id(self.index_dir)
            except IndexUnusableError as e:
                self.refused = Refusal("CURRENT", str(e))
                return False
            if wanted == self.engine.version.id:
                self.refused = None  # e.g. a rollback past a refused version
                return False
            if self.refused and self.refused.version == wanted:
                return False  # refused once; not retried every tick
            try:
                engine = self._load(wanted)
            except Exception as e:  # noqa: BLE001 - whatever breaks a version, the old one keeps serving
                reason = str(e) if isinstance(e, IndexUnusableError) else f"{type(e).__name__}: {e}"
                # /healthz is public: name the version, not the server's folders
                self.refused = Refusal(wanted, reason.replace(f"{self.index_dir}/", ""))
                log.error("refused index version %s: %s", wanted, self.refused.reason)
                return False
            self.engine = engine  # one reference swap; requests in flight keep the engine they read
            self.refused = None
            log.warning("now serving index version %s", wanted)
            return True

    def watch(self, interval: float) -> threading.Event:
        """Check for a newly published version every ``interval`` seconds in a daemon thread.

        Returns the event that stops the thread when set.
        """
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(interval):
                try:
                    self.refresh()
                except Exception:  # noqa: BLE001 - the watcher must outlive any one bad version
                    log.exception("index watcher: unexpected error")

        threading.Thread(target=loop, name="index-watcher", daemon=True).start()
        return stop
