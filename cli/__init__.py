"""The ``regqa`` command line."""
