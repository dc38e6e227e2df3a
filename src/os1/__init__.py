"""OS1: an open-source, local-first AI companion."""

__version__ = "0.1.0"
