"""Retrieval: hybrid dense + BM25 search scoped to the understood laws, ranking boosts, and the cross-encoder."""
