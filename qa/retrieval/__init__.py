"""Retrieval over one index version: the dense and lexical sides, their fusion, and the answered rule."""

MODES = ("dense", "lexical", "rrf", "hybrid")  # how qa.retrieval.search ranks: each side alone, or fused
