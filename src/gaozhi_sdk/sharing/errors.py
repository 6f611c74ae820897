"""Errors of the data-sharing transport (code area ``SH``).

Only :class:`~gaozhi_sdk.errors.GaozhiError` subclasses leave :mod:`gaozhi_sdk.sharing`;
``requests``/``urllib3`` exceptions are caught at the transport boundary and turned into
one of the six outcomes (DESIGN §7) or into a :class:`SharingError`. Every error carries
the business request id in ``details["request_id"]`` when there is one.

Codes:

* ``GZ-SH-001`` invalid transport configuration (base URL, timeouts, CA bundle path);
* ``GZ-SH-002`` unknown signing profile;
* ``GZ-SH-003`` a request signature or header set failed verification (server side);
* ``GZ-SH-004`` SM3 is not available in this Python/OpenSSL build;
* ``GZ-SH-005`` an access token could not be obtained (the call ends UNDETERMINED);
* ``GZ-SH-006`` a plain ``http://`` base URL outside the loopback development switch
  (``TransportConfig.allow_insecure_loopback``);
* ``GZ-SH-010`` the evidence sink could not append (the call fails closed);
* ``GZ-SH-011`` the evidence chain does not verify;
* ``GZ-SH-020`` the emulator could not be started or did not report its address;
* ``GZ-SH-030`` a callback or webhook delivery was refused (signature, freshness, replay)
  or an assistance reply lacks its written reason (R-047);
* ``GZ-SH-040`` a credit snapshot could not be completed (eligibility fails closed);
* ``GZ-SH-041`` a push or dispatch is still undetermined after the status check (retry);
* ``GZ-SH-042`` the platform refused a push or dispatch (dead-letter material);
* ``GZ-SH-043`` an assisted-verification ticket could not be opened or polled;
* ``GZ-SH-050`` a webhook delivery failed (retried by the outbox, then dead-lettered);
* ``GZ-SH-051`` the webhook endpoint's TLS certificate is not trusted (names the host and
  the ``ca_bundle`` setting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gaozhi_sdk.errors import GaozhiError

__all__ = ["SharingError"]


class SharingError(GaozhiError):
    """A data-sharing transport error (GZ-SH-*); ``request_id`` names the business request."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str = "",
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
        rules: Sequence[str] | None = None,
    ) -> None:
        merged = dict(details or {})
        if request_id:
            merged["request_id"] = request_id
        super().__init__(code, message, message_en=message_en, details=merged, rules=rules)
        self.request_id = request_id
