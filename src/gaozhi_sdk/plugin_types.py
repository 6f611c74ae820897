"""Typed objects that plugins register and receive (DESIGN §5).

Registration hooks return iterables of these; the :class:`~gaozhi_sdk.PluginHost`
checks their types, de-duplicates them by name and names the plugin when something is
wrong. Event hooks receive :class:`LifecycleEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CommitmentListRegistration",
    "LifecycleEvent",
    "ProviderKind",
    "ProviderRegistration",
    "SignerRegistration",
    "StoreRegistration",
]

#: What a provider does — online verification (R-044), external credit snapshot (R-020),
#: credit push to the sharing platform (R-056), assisted verification (R-046), on-site
#: dispatch to 互联网+监管 (R-045), or an RFC 3161 time-stamping authority. (An SM2 test
#: PKI is no provider: ``TestPKI.create(algorithm="sm2")`` asks for the key generator the
#: SM2 plugin registers.)
ProviderKind = Literal[
    "online_verifier",
    "credit_source",
    "credit_push",
    "assistance",
    "on_site_dispatch",
    "tsa",
]


@dataclass(frozen=True)
class ProviderRegistration:
    """A provider a plugin offers. ``factory(config)`` builds the provider object."""

    kind: ProviderKind
    name: str
    factory: Callable[[Mapping[str, Any]], Any]
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class SignerRegistration:
    """A seal signer for an organ (e.g. an SM2 key on a token)."""

    organ_uscc: str
    signer: Any
    description: str = ""


@dataclass(frozen=True)
class StoreRegistration:
    """A store backend for a URL scheme (e.g. ``postgresql``)."""

    scheme: str
    factory: Callable[[str], Any]
    description: str = ""


@dataclass(frozen=True)
class CommitmentListRegistration:
    """A commitment list (YAML/JSON text or a CommitmentList) a plugin ships."""

    name: str
    source: Any
    description: str = ""


@dataclass(frozen=True)
class LifecycleEvent:
    """One lifecycle event delivered from the outbox after commit, at least once.

    ``idempotency_key`` is stable across redeliveries: a receiver de-duplicates on it.
    ``payload`` never carries full personal identifiers.
    """

    topic: str
    idempotency_key: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1
