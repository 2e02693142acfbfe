"""rag/answer/offline: see README.md, "How it works"."""
