"""rag/answer/llm: see README.md, "How it works"."""
