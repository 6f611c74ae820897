"""Test kit for gaozhi-sdk users and plugin authors (opt-in; not imported by the core)."""

from gaozhi_sdk.testing.pki import TestPKI

__all__ = ["TestPKI"]
