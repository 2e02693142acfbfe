"""rag/verify: see README.md, "How it works"."""
