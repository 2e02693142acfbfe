"""rag/retrieve: see README.md, "How it works"."""
