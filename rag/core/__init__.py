"""rag/core: see README.md, "How it works"."""
