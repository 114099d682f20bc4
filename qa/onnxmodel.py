"""The bundled model on ONNX Runtime: exported once from the installed files, then run without torch.

``export(model_dir, target)`` turns the installed sentence-transformers model (BERT, mean pooling,
unit length) into one ONNX graph that takes the tokenizer's ids and gives the sentence vectors. It
runs offline with torch's own exporter, checks the graph against torch on a few sentences before it
keeps it, and writes it whole or not at all. ``make setup`` runs it (``qa export-model``); an encoder
that finds no export makes it then, once.

``OnnxEncoder`` serves and builds with that graph, the model's own ``tokenizer.json`` (the
``tokenizers`` library, no torch) and one ONNX Runtime session per thread count.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.encoder import REINSTALL, Backend, Encoder, config_dimension, files_fingerprint, offline
from qa.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "sentence_vector"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model, when its config does not say
# Sentences the export is checked on: English, Spanish, a long one that is truncated, odd characters.
CHECK_TEXTS = (
    "can I get arrested for selling sex?",
    "me quitaron el pasaporte y no me dejan salir",
    "He took my phone. " * 80,
    "Willimantic café 😀 #1",
)
MIN_COSINE = 0.9999  # measured 1.0000 (max abs difference 3e-7); anything less is a broken export


def export_path(onnx_dir: Path, fingerprint: str) -> Path:
    """Where the export of the model files with ``fingerprint`` lives."""
    return Path(onnx_dir) / fingerprint[:16] / "model.onnx"


def export(model_dir: Path, target: Path) -> Path:
    """Export the model at ``model_dir`` to ONNX at ``target`` (with ``export.json`` beside it naming
    the files it came from). Needs torch, transformers and onnxscript; reads nothing from a network."""
    offline()
    fingerprint = files_fingerprint(model_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _export(model_dir, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        meta = {"model_files_sha256": fingerprint, **_versions()}
        (target.parent / "export.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, target)  # another process exporting at the same time writes the same graph
    except OSError as e:
        raise ModelError(f"cannot write the ONNX export to {target.parent} ({e}) - "
                         "make it writable, or point QA_ONNX_DIR at a folder that is") from e
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target


def _versions() -> dict[str, str]:
    from importlib import metadata

    return {n: metadata.version(n) for n in ("torch", "onnxruntime", "onnxscript")}


def _export(model_dir: Path, out: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as e:
        raise ModelError(f"exporting the model needs torch and transformers ({e}) - run: make setup") from e

    class Pooled(torch.nn.Module):
        """BERT, then the mean of the token vectors under the attention mask, at unit length: what
        sentence-transformers' Transformer, Pooling and Normalize modules do for this model."""

        def __init__(self, bert: torch.nn.Module):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    _check_pooling(model_dir)
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar
    try:
        bert = AutoModel.from_pretrained(str(model_dir)).eval()
    except Exception as e:  # noqa: BLE001 - any load failure is the same problem for the user
        raise ModelError(f"cannot load the model at {model_dir}: {e} - {REINSTALL}") from e
    model = Pooled(bert).eval()
    sample = {n: torch.ones((2, 8), dtype=torch.long) for n in INPUTS}
    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=512)
    # the exporter narrates each step on stdout and warns about its own internals: neither is ours
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        torch.onnx.export(model, tuple(sample[n] for n in INPUTS), str(out), dynamo=True, external_data=False,
                          input_names=list(INPUTS), output_names=[OUTPUT], optimize=True,
                          dynamic_shapes={n: {0: batch, 1: sequence} for n in INPUTS})
    # the graph must give what torch gives, or it is not kept
    tokenizer = _tokenizer(model_dir)
    feeds = _feeds(tokenizer, list(CHECK_TEXTS))
    with torch.inference_mode():
        expected = model(*(torch.from_numpy(feeds[n]) for n in INPUTS)).numpy()
    got = _session(out, 0).run([OUTPUT], feeds)[0]
    cosine = float(np.min(np.sum(expected * got, axis=1)))
    if cosine < MIN_COSINE:
        raise ModelError(f"the ONNX export of {model_dir} disagrees with torch (cosine {cosine:.6f}) - "
                         "use QA_ENCODER=torch, and report it")


def _check_pooling(model_dir: Path) -> None:
    """The export does mean pooling and normalisation; a model that says otherwise is refused."""
    try:
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"the model at {model_dir} does not describe its pooling ({e}) - {REINSTALL}") from e
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if not pooling.get("pooling_mode_mean_tokens") or kinds != ["Transformer", "Pooling", "Normalize"]:
        raise ModelError(f"the model at {model_dir} is not mean-pooled and normalised; the ONNX export "
                         "supports only that - use QA_ENCODER=torch")


def _tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except Exception as e:  # noqa: BLE001 - the tokenizers library raises plain Exception
        raise ModelError(f"cannot read {model_dir / 'tokenizer.json'} ({e}) - {REINSTALL}") from e
    try:
        limit = int(json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        limit = MAX_TOKENS
    tokenizer.enable_truncation(max_length=limit)
    pad = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")  # noqa: S106 - a token, not a secret
    return tokenizer


def _feeds(tokenizer: Any, texts: list[str]) -> dict[str, np.ndarray]:
    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def _session(path: Path, threads: int) -> onnxruntime.InferenceSession:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads  # 0: every core (a build); a server asks for one
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: its warnings go to stderr, never to a person
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load the ONNX export {path} ({e}) - run: qa export-model --force") from e


class OnnxEncoder(Encoder):
    """The model's ONNX export on ONNX Runtime; exports it first if it is not there yet."""

    backend: Backend = "onnx"

    def __init__(self, path: Path, onnx_dir: Path, threads: int = 0, idle_threads: int = 0):
        super().__init__(path, threads, idle_threads)
        self.dimension = config_dimension(path)
        self.file = export_path(onnx_dir, self.fingerprint)
        if not self.file.is_file():
            export(path, self.file)
        self._check_origin()
        self._tokenizer = _tokenizer(path)
        self._sessions: dict[int, onnxruntime.InferenceSession] = {}
        self._lock = threading.Lock()
        self._in_flight = 0  # questions being answered now (``answering``), in any thread of this process
        self._count = threading.Lock()
        self.last_threads = 0  # the threads the last call ran with (for tests and benchmarks)
        # a broken export fails at start, not at the first question; made once, for the threads it
        # will run with (a session takes about 0.2 s to make, a quarter of a server's start)
        self._get_session(self.threads)

    def _check_origin(self) -> None:
        try:
            meta = json.loads((self.file.parent / "export.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"{self.file.parent}: export.json cannot be read ({e}) - "
                             "run: qa export-model --force") from e
        if meta.get("model_files_sha256") != self.fingerprint:
            raise ModelError(f"{self.file} was exported from other model files than {self.path} - "
                             "run: qa export-model --force")

    def _get_session(self, threads: int) -> onnxruntime.InferenceSession:
        session = self._sessions.get(threads)
        if session is None:
            with self._lock:
                session = self._sessions.get(threads) or _session(self.file, threads)
                self._sessions[threads] = session
        return session

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        if not texts:
            return out
        # the question this call is part of, if any, is the only one (in the server, when workers share a board)
        alone = self._in_flight <= 1 and (self.board is None or self.board.others() == 0)
        # the idle cores' session once ``warm`` has made it: a first question does not wait for it
        session = self._sessions.get(self.idle_threads) if alone and self.idle_threads > self.threads > 0 else None
        self.last_threads = self.idle_threads if session is not None else self.threads
        return self._encode(session or self._get_session(self.threads), texts, out, batch_size)

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Counts a question being answered in this process for the duration of the block. A question
        answered while another one is runs its model on ``threads`` (one): the cores are then shared by
        the questions, never oversubscribed by more than the one that started alone (ONNX Runtime's
        threads do not collapse on a busy CPU as torch's do: docs/performance.md, stop 33)."""
        with self._count:
            self._in_flight += 1
            if self.board is not None:
                self.board.set(self._in_flight)
        try:
            yield
        finally:
            with self._count:
                self._in_flight -= 1
                if self.board is not None:
                    self.board.set(self._in_flight)

    def warm(self) -> None:
        """Makes the session a question answered alone runs on (about 0.2 s); until then it runs on
        ``threads``, so that the first question does not wait for it."""
        if self.idle_threads > self.threads > 0:
            self._get_session(self.idle_threads)

    def _encode(self, session: onnxruntime.InferenceSession, texts: list[str], out: np.ndarray,
                batch_size: int) -> np.ndarray:
        # longest first, as sentence-transformers does: each batch pads to its own longest text
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            feeds = _feeds(self._tokenizer, [texts[i] for i in rows])
            out[rows] = session.run([OUTPUT], feeds)[0]
        return out
