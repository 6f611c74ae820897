"""The Store contract (DESIGN §6) run against every backend in ``conftest.py``.

The suite itself ships with the SDK (:mod:`gaozhi_sdk.testing.store_contract`) so that a
store backend outside this repository runs exactly the same tests.
"""

from __future__ import annotations

from gaozhi_sdk.testing.store_contract import StoreContract


class TestStoreContract(StoreContract):
    """Every contract test, once per ``store_factory`` parameter."""
