"""The LLM answerer: an OpenAI-compatible or Ollama chat model writes the answer, rag/verify checks it; demo.py is the scripted model for demos and tests."""
