"""Answering a question: crisis detection, service cards, and the Engine that puts an answer together."""
