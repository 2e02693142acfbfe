"""Verification of LLM answers: every sentence against the passage it cites (content words, numbers, jurisdiction, injections)."""
