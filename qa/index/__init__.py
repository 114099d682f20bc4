"""Built index versions: chunks, the keys that stand for them, the embedding cache and the on-disk format."""
