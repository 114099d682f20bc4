"""The life of index versions: build, diff, gate, evaluate, publish and roll back, and reload in a server."""
