"""The FAISS index over a version's key vectors: exact (flat) for a corpus of up to ``APPROXIMATE_ABOVE``
keys, approximate (IVF) above it, where scanning every key would cost more than the rest of a search.

``make_index`` returns the index and its manifest record (``"vectors"``: the kind and its parameters);
``configure`` applies the record's search-time parameter to an index read back from disk.
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

APPROXIMATE_ABOVE = 100_000
"""Keys above which a build makes an IVF index instead of a flat one. A flat index is exact, and an IVF
one is not (``scripts/bench_scale.py``, docs/performance.md: at 100,000 chunks the top 3 of 1 of 134
evaluation questions changed), so flat stays as long as it is affordable: 100,000 keys (a corpus of
~2,500 real chunks at ~40 keys each; the shipped one has ~1,400) cost a flat scan about 15 ms (scaled
from 62-67 ms at 401,000 keys on a quiet machine, where IVF costs 2-5 ms)."""

NPROBE = 128
"""Inverted lists scanned per question, of ``nlist`` (``LISTS_PER_ROOT * sqrt(keys)``). Measured at
401,000 keys (2,534 lists; docs/performance.md), with the search scoring every key of the chunks found
(``Searcher._refine``): 32 lists cost FAISS 2.2 ms and changed the top 3 of 2 of the 134 questions whose
top 3 are corpus chunks, 128 cost 4.6 ms and changed 1 (without the refinement: 7 and 3; 256: 2). The
issue's bar is the top 3 unchanged, so the more faithful of the two, at a cost still far below flat's
(62-170 ms there, by the machine's load)."""

LISTS_PER_ROOT = 4  # nlist = 4 * sqrt(keys): the usual FAISS guidance (between 4 and 16 sqrt(n))
TRAIN_PER_LIST = 40  # k-means needs at least 39 points per list (FAISS warns below); more costs build time
KMEANS_ROUNDS = 10  # FAISS's 25 (on 64 a list) built 401,000 keys in 315 s; 10 on 40 a list in 132 s
SEED = 14  # the training sample is drawn with a fixed seed: one corpus builds one index


def make_index(vectors: np.ndarray, approximate: bool | None = None) -> tuple[faiss.Index, dict[str, Any]]:
    """An inner-product index over ``vectors`` (unit rows, float32), and its manifest record.

    ``approximate``: IVF or flat whatever the size (for measuring both); None: IVF above ``APPROXIMATE_ABOVE``.
    """
    n, dimension = vectors.shape
    if not (n > APPROXIMATE_ABOVE if approximate is None else approximate):
        flat = faiss.IndexFlatIP(dimension)
        flat.add(vectors)
        return flat, {"kind": "flat"}
    nlist = int(LISTS_PER_ROOT * math.sqrt(n))
    sample = np.sort(np.random.default_rng(SEED).choice(n, min(n, TRAIN_PER_LIST * nlist), replace=False))
    quantiser = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantiser, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = KMEANS_ROUNDS
    index.train(np.ascontiguousarray(vectors[sample]))
    index.add(vectors)
    index.make_direct_map()  # 8 bytes a key, so that a key's vector can be read back (the crisis examples)
    record = {"kind": "ivf", "nlist": nlist, "nprobe": NPROBE, "trained_on": len(sample)}
    configure(index, record)
    return index, record


def configure(index: faiss.Index, record: dict[str, Any]) -> None:
    """Apply ``record``'s search-time parameter to ``index``; ValueError when the index is not of the
    kind the record says (a version's files disagreeing with its manifest)."""
    kind = record.get("kind", "flat")  # versions from before approximate indexes record nothing: flat
    if kind == "flat" and isinstance(index, faiss.IndexFlat):
        return
    if kind == "ivf" and isinstance(index, faiss.IndexIVF) and index.nlist == record.get("nlist"):
        index.nprobe = int(record["nprobe"])
        if index.direct_map.type == faiss.DirectMap.NoMap:  # type: ignore[attr-defined]  # make_index writes one
            index.make_direct_map()
        return
    raise ValueError(f"the manifest records a {kind} index, vectors.faiss holds {type(index).__name__}")
