"""rag/understand: see README.md, "How it works"."""
