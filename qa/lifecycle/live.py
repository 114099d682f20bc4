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
from qa.errors import IndexCorruptError, IndexNotBuiltError, IndexUnusableError
from qa.index.format import load_version, verify_files
from qa.lifecycle.registry import current_version_id, in_service, list_versions

log = logging.getLogger("qa.lifecycle.live")
SMOKE_QUESTION = "where can I get help"


@dataclass(frozen=True)
class Refusal:
    version: str
    reason: str


class Live:
    """The engine in service, the last version refused (if any), and whether the files of the version
    in service still verify (``damaged``: why not)."""

    def __init__(self, index_dir: Path, encoder: Encoder, max_question_chars: int = MAX_QUESTION_CHARS):
        self.index_dir = Path(index_dir)
        self.encoder = encoder
        self.max_question_chars = max_question_chars
        self._lock = threading.Lock()
        self.refused: Refusal | None = None
        self.damaged: str | None = None
        self.engine: Engine = self._start()

    def _start(self) -> Engine:
        """The published version's engine; when it does not load, the newest version that does (the
        ones in service before it first), with the published one ``refused``: a damaged version never
        stops a server (or a worker that replaces a dead one) from starting."""
        try:
            ids = in_service(self.index_dir)
        except IndexNotBuiltError:
            raise
        except IndexUnusableError as e:
            ids = []
            self.refused = Refusal("CURRENT", self._public(str(e)))
        candidates = list(dict.fromkeys([*ids, *reversed(list_versions(self.index_dir))]))
        if not candidates:
            raise IndexNotBuiltError(f"no index version in {self.index_dir / 'versions'} - build one: qa build")
        skipped: list[str] = []
        for version_id in candidates:
            try:
                engine = self._load(version_id)
            except Exception as e:  # noqa: BLE001 - any failure: try the next version
                reason = self._public(str(e) if isinstance(e, IndexUnusableError) else f"{type(e).__name__}: {e}")
                log.error("skipped index version %s: %s", version_id, reason)
                skipped.append(f"{version_id}: {reason}")
                if ids and version_id == ids[0]:
                    self.refused = Refusal(version_id, reason)
                continue
            if skipped:
                log.warning("serving index version %s; the published one does not load", version_id)
            return engine
        raise IndexCorruptError("no index version loads - rebuild: qa build --force\n" + "\n".join(skipped))

    def _public(self, reason: str) -> str:
        """``reason`` without the server's folders (/healthz is public)."""
        return reason.replace(f"{self.index_dir}/", "").replace(str(self.index_dir), "index")

    def check(self) -> str | None:
        """Verify the files of the version in service again (they may be deleted or cut short under a
        running server, which would then fail to restart); ``damaged`` holds why they do not verify."""
        try:
            verify_files(self.engine.version.path)
            self.damaged = None
        except IndexCorruptError as e:
            if self.damaged is None:
                log.error("the files of index version %s no longer verify: %s", self.engine.version.id, e)
            self.damaged = self._public(str(e))
        return self.damaged

    @property
    def problems(self) -> list[str]:
        """What is wrong, in words fit for a public health check (no server paths); [] when healthy."""
        out = []
        if self.damaged:
            out.append(f"the files of version {self.engine.version.id} in service no longer verify: {self.damaged}")
        if self.refused:
            out.append(f"version {self.refused.version} was refused: {self.refused.reason}")
        return out

    def _load(self, version_id: str) -> Engine:
        version = load_version(self.index_dir / "versions" / version_id, self.encoder.identity)
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
                self.refused = Refusal("CURRENT", self._public(str(e)))
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
                self.refused = Refusal(wanted, self._public(reason))
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
                    self.check()
                except Exception:  # noqa: BLE001 - the watcher must outlive any one bad version
                    log.exception("index watcher: unexpected error")

        threading.Thread(target=loop, name="index-watcher", daemon=True).start()
        return stop
