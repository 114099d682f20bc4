"""A minimal dense FAQ server, the peer ``bench_http.py`` measures the project against.

What a plain semantic-search service would be: the same bundled model through sentence-transformers
on torch (one thread, as ``qa serve``), every paragraph of the corpus's documents embedded at start
(front matter dropped, split on blank lines, headings skipped), a flat inner-product FAISS index, and
``POST /ask {"question": ...}`` answering the 3 closest paragraphs as JSON. No spelling, lexical
side, safety, cards or citations. ``GET /healthz`` says it is ready. One uvicorn worker:

    python scripts/dense_peer.py --port 8100 [--corpus corpus/]
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

# Offline before the import, as qa.encoder does: nothing is fetched from a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import faiss  # noqa: E402
import torch  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from qa.config import get_settings  # noqa: E402
from qa.encoder import model_path  # noqa: E402

TOP = 3
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


class Ask(BaseModel):
    question: str


def paragraphs(corpus_dir: Path) -> list[str]:
    """The paragraphs of every ``*.md`` in ``corpus_dir``: blank-line separated blocks, headings left out."""
    out = []
    for path in sorted(corpus_dir.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        out += [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip() and not b.lstrip().startswith("#")]
    return out


def create_app(corpus_dir: Path) -> FastAPI:
    """The peer over ``corpus_dir``: loads the model and embeds the corpus before it returns."""
    torch.set_num_threads(1)
    model = SentenceTransformer(str(model_path(get_settings().model)), device="cpu")
    texts = paragraphs(corpus_dir)
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True).astype("float32")
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "paragraphs": len(texts)}

    @app.post("/ask")
    def ask(body: Ask) -> dict[str, object]:
        # torch keeps its thread count per calling thread, and requests run on a pool of threads
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
        query = model.encode([body.question], normalize_embeddings=True, convert_to_numpy=True).astype("float32")
        scores, ids = index.search(query, TOP)
        return {"passages": [{"text": texts[i], "score": round(float(s), 4)}
                             for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--corpus", type=Path, default=get_settings().corpus_dir)
    args = parser.parse_args()
    uvicorn.run(create_app(args.corpus), host=args.host, port=args.port, workers=1, access_log=False,
                log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
