"""regqa ingestion: loaders, splitting, indexing."""
