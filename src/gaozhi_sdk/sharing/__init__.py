"""Provincial data-sharing transport (DESIGN §7, TRANSPORT.md).

* :class:`SharingClient` — pooled ``requests`` sessions, connect/read timeouts, one total
  deadline, re-signing on every attempt with a fixed business request id, Retry-After up
  to a cap, a retry budget, a circuit breaker, a client rate limiter, single-flight token
  refresh, paging consistency checks, clock-skew detection and one evidence record per
  call. Every call ends in one of the six outcomes; ``requests`` exceptions never escape.
* :class:`TransportConfig` — CA bundle, proxy, timeouts, deadline: set once, used by
  every call.
* Signing profiles in :mod:`gaozhi_sdk.sharing.signing` (reference ``gaozhi-hmac-sm3-v1``).
"""

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.sharing.classify import Classified, Kind, classify_reference
from gaozhi_sdk.sharing.client import Attempt, CallResult, PagedResult, SharingClient
from gaozhi_sdk.sharing.config import TransportConfig
from gaozhi_sdk.sharing.errors import SharingError
from gaozhi_sdk.sharing.evidence import (
    EvidenceSink,
    JsonlEvidenceSink,
    MemoryEvidenceSink,
    verify_chain,
)
from gaozhi_sdk.sharing.resilience import BreakerState, CircuitBreaker, RateLimiter, RetryBudget
from gaozhi_sdk.sharing.signing import (
    REFERENCE_PROFILE,
    HmacSha256HeaderProfile,
    Md5KeySecretTimeProfile,
    NonceCache,
    ReferenceProfile,
    SigningProfile,
    make_profile,
    sm3_hex,
    verify_reference_request,
    verify_reference_response,
)
from gaozhi_sdk.sharing.tokens import TokenCache, TwoSecretRefresher

__all__ = [
    "REFERENCE_PROFILE",
    "Attempt",
    "BreakerState",
    "CallResult",
    "CircuitBreaker",
    "Classified",
    "EvidenceSink",
    "HmacSha256HeaderProfile",
    "JsonlEvidenceSink",
    "Kind",
    "Md5KeySecretTimeProfile",
    "MemoryEvidenceSink",
    "NonceCache",
    "PagedResult",
    "RateLimiter",
    "ReferenceProfile",
    "RetryBudget",
    "SharingClient",
    "SharingError",
    "SigningProfile",
    "TokenCache",
    "TransportConfig",
    "TwoSecretRefresher",
    "classify_reference",
    "make_profile",
    "sm3_hex",
    "verify_chain",
    "verify_reference_request",
    "verify_reference_response",
]

_rehome(__name__, __all__, globals())
