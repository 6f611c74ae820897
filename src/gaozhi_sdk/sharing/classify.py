"""Response classification: HTTP status + headers + BODY code → what the client does.

Chinese gateways answer HTTP 200 and put the outcome in a body code (TRANSPORT §2.2), so
classification reads the body. The reference gateway (and the emulator) use the codes
below; a province profile supplies its own table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

__all__ = ["REFERENCE_CODES", "Classified", "Kind", "classify_reference", "parse_retry_after"]


class Kind(StrEnum):
    """What one HTTP answer means to the retry loop."""

    OK = "OK"
    NOT_FOUND = "NOT_FOUND"
    MISMATCH = "MISMATCH"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    REJECTED = "REJECTED"
    AUTH_EXPIRED = "AUTH_EXPIRED"
    THROTTLED = "THROTTLED"
    TRANSIENT = "TRANSIENT"
    SKEW = "SKEW"
    REPLAY = "REPLAY"
    IN_FLIGHT = "IN_FLIGHT"


#: body code → kind, for the reference gateway and the emulator.
REFERENCE_CODES: Mapping[str, Kind] = {
    "00": Kind.OK,
    "NOT_FOUND": Kind.NOT_FOUND,
    "MISMATCH": Kind.MISMATCH,
    "CONSENT_REQUIRED": Kind.CONSENT_REQUIRED,
    "PARAM_INVALID": Kind.REJECTED,
    "FORBIDDEN": Kind.REJECTED,
    "CONFLICT": Kind.REJECTED,
    "SIGN_INVALID": Kind.REJECTED,
    "TS_EXPIRED": Kind.SKEW,
    "NONCE_REPLAY": Kind.REPLAY,
    "TOKEN_EXPIRED": Kind.AUTH_EXPIRED,
    "THROTTLED": Kind.THROTTLED,
    "IN_FLIGHT": Kind.IN_FLIGHT,
    "SERVICE_UNAVAILABLE": Kind.TRANSIENT,
    "GATEWAY_TIMEOUT": Kind.TRANSIENT,
}


@dataclass(frozen=True)
class Classified:
    """The meaning of one answer."""

    kind: Kind
    code: str
    hop: str = "provider"
    data: Any = None
    retry_after_s: float | None = None
    server_time_ms: int | None = None
    provider_request_id: str = ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def classify_reference(status: int, headers: Mapping[str, str], body: bytes) -> Classified:
    """Classify an answer of the reference gateway (emulator)."""
    retry_after = parse_retry_after(headers.get("Retry-After"))
    server_time: int | None = None
    st = headers.get("X-Server-Time")
    if st and st.isdigit():
        server_time = int(st)
    if status == 429:
        return Classified(
            Kind.THROTTLED,
            "HTTP_429",
            "gateway",
            retry_after_s=retry_after,
            server_time_ms=server_time,
        )
    if status >= 500:
        kind = Kind.THROTTLED if status == 503 and retry_after is not None else Kind.TRANSIENT
        return Classified(
            kind, f"HTTP_{status}", "gateway", retry_after_s=retry_after, server_time_ms=server_time
        )
    ctype = headers.get("Content-Type", "")
    if "json" not in ctype:
        return Classified(Kind.TRANSIENT, "NON_JSON_BODY", "gateway", server_time_ms=server_time)
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Classified(Kind.TRANSIENT, "MALFORMED_BODY", "gateway", server_time_ms=server_time)
    if not isinstance(doc, dict) or "code" not in doc:
        return Classified(Kind.TRANSIENT, "MALFORMED_BODY", "gateway", server_time_ms=server_time)
    code = str(doc.get("code"))
    if server_time is None and isinstance(doc.get("serverTime"), int):
        server_time = int(doc["serverTime"])
    fallback = Kind.REJECTED if 400 <= status < 500 else Kind.TRANSIENT
    kind = REFERENCE_CODES.get(code, fallback)
    if kind is Kind.OK and 400 <= status < 500:
        kind = Kind.REJECTED
    return Classified(
        kind,
        code,
        "provider",
        data=doc.get("data"),
        retry_after_s=retry_after,
        server_time_ms=server_time,
        provider_request_id=str(doc.get("requestId", "")),
    )
