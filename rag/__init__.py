"""regqa retrieval and answering."""
