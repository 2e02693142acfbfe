"""rag/answer: see README.md, "How it works"."""
