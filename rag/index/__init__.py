"""rag/index: see README.md, "How it works"."""
