"""Document loaders, one module per format."""
from ingest.loaders.registry import load_document, loader_names, pick_loader

__all__ = ["load_document", "loader_names", "pick_loader"]
