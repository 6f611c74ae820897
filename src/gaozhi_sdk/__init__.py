"""gaozhi-sdk (temporary init, curated later)."""
__version__ = "0.1.0"
