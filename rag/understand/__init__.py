"""Question understanding: the catalog of indexed laws, names matched fuzzily, and the scope (laws, jurisdictions, articles, aspects, follow-ups) of a question."""
