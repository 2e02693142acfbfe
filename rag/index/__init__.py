"""The index: the Chroma store with its document registry, the embedders, and the lexical (BM25) index."""
