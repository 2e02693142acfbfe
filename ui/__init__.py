"""ui: see README.md, "How it works"."""
