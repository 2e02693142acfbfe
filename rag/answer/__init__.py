"""Answering: the offline answerer that only quotes (offline/) and the LLM answerer (llm/)."""
