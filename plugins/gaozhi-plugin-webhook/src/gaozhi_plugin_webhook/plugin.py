"""Webhook connector: lifecycle events to a department's HTTPS endpoint.

Each event from the store's outbox (delivered at least once by
:func:`gaozhi_sdk.events.deliver_pending`) is POSTed as JSON
``{"topic", "idempotency_key", "attempt", "payload"}``, signed with the reference profile
``gaozhi-hmac-sm3-v1``; ``X-Request-Id`` is the event's idempotency key, so a receiver
de-duplicates on it. A non-2xx answer or a technical failure raises GZ-SH-050: the event
stays in the outbox, is retried, and after the host's bounded number of attempts is
dead-lettered; ``python -m gaozhi_plugin_webhook replay`` delivers dead letters again.

Configuration section ``plugins.webhook``::

    {"url": "https://dept.example/gaozhi/events", "app_key": "AK",
     "secret_env": "GAOZHI_WEBHOOK_SECRET", "topics": ["pledge.signed", "case.concluded"],
     "ca_bundle": "/etc/gov/ca.pem", "proxy": "http://proxy:3128", "deadline_s": 10}

Receivers verify requests with :func:`verify_webhook`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from gaozhi_sdk import LifecycleEvent, hookimpl
from gaozhi_sdk.models import OnlineOutcome
from gaozhi_sdk.sharing import (
    Classified,
    Kind,
    NonceCache,
    ReferenceProfile,
    SharingClient,
    SharingError,
    TransportConfig,
    verify_reference_request,
)

__all__ = ["SECTION", "WebhookPlugin", "plugin", "verify_webhook"]

log = logging.getLogger("gaozhi_plugin_webhook")
SECTION = "webhook"
_TRANSPORT = (
    "breaker_fail_max",
    "breaker_reset_s",
    "connect_timeout_s",
    "read_timeout_s",
    "deadline_s",
    "max_attempts",
    "backoff_base_s",
    "backoff_cap_s",
    "retry_after_cap_s",
    "allow_insecure_loopback",
)


def _classify(status: int, headers: Mapping[str, str], body: bytes) -> Classified:
    """Receivers answer with plain HTTP status: 2xx accepted, 4xx refused, else retry."""
    if 200 <= status < 300:
        return Classified(Kind.OK, str(status), "provider")
    if status in (408, 425, 429) or status >= 500:
        ra = headers.get("Retry-After")
        return Classified(
            Kind.THROTTLED if ra else Kind.TRANSIENT,
            f"HTTP_{status}",
            "provider",
            retry_after_s=float(ra) if ra and ra.isdigit() else None,
        )
    return Classified(Kind.REJECTED, f"HTTP_{status}", "provider")


class WebhookPlugin:
    """Delivers lifecycle events to one configured endpoint (inert until configured)."""

    def __init__(self) -> None:
        self.client: SharingClient | None = None
        self.path = "/"
        self.topics: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "WebhookPlugin(secret=***)"

    @hookimpl
    def gaozhi_configure(self, config: Mapping[str, Any]) -> None:
        """Build the signed client from ``plugins.webhook``."""
        section = dict(config.get("plugins", {})).get(SECTION)
        with self._lock:
            if self.client is not None:
                self.client.close()
                self.client = None
            if not section:
                return
            url = str(section.get("url", ""))
            secret = os.environ.get(str(section.get("secret_env", "GAOZHI_WEBHOOK_SECRET")), "")
            if not url or not section.get("app_key") or not secret:
                raise SharingError(
                    "GZ-SH-001",
                    "webhook 须配置 url、app_key 与密钥环境变量",
                    message_en="webhook needs url, app_key and secret env",
                )
            parts = urlsplit(url)
            base = f"{parts.scheme}://{parts.netloc}"
            self.path = parts.path or "/"
            cfg = TransportConfig.from_env(
                base,
                provider_id="webhook",
                ca_bundle=section.get("ca_bundle") or None,
                proxy=section.get("proxy") or None,
                **{k: section[k] for k in _TRANSPORT if k in section},
            )
            # A receiver's 2xx only acknowledges delivery and carries no data: its answers
            # are not signed, so answer authentication (request-id echo, response
            # signature) is off for this client — nothing it returns is believed as data.
            self.client = SharingClient(
                cfg,
                ReferenceProfile(str(section["app_key"])),
                secret,
                classifier=_classify,
                authenticate_responses=False,
            )
            self.topics = frozenset(section.get("topics", ()))

    @hookimpl
    def gaozhi_shutdown(self) -> None:
        """Close pooled connections."""
        if self.client is not None:
            self.client.close()

    @hookimpl
    def gaozhi_event(self, event: LifecycleEvent) -> None:
        """POST one event; raise GZ-SH-050 so the outbox retries (then dead-letters)."""
        c = self.client
        if c is None or (self.topics and event.topic not in self.topics):
            return
        body = {
            "topic": event.topic,
            "idempotency_key": event.idempotency_key,
            "attempt": event.attempt,
            "payload": dict(event.payload),
        }
        r = c.call(
            "POST",
            self.path,
            body,
            request_id=event.idempotency_key,
            operation=f"webhook:{event.topic}",
        )
        if r.last_code == "TLS_VERIFY_FAILED":
            raise SharingError(
                "GZ-SH-051",
                r.detail,
                request_id=event.idempotency_key,
                message_en="webhook endpoint certificate not trusted; set "
                "plugins.webhook.ca_bundle",
            )
        if r.outcome is not OnlineOutcome.VERIFIED:
            raise SharingError(
                "GZ-SH-050",
                f"事件推送失败 ({r.last_code or r.body_code}), 将重试",
                request_id=event.idempotency_key,
                message_en="webhook delivery failed",
                details={"hop": r.hop, "last_code": r.last_code or r.body_code},
            )


def verify_webhook(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    app_key: str,
    secret: str,
    nonces: NonceCache,
    max_skew_ms: int = 300_000,
) -> str:
    """Receiver side: ``"00"`` if the request is authentic and fresh, else the code
    (``SIGN_INVALID``, ``TS_EXPIRED``, ``NONCE_REPLAY``)."""
    return verify_reference_request(
        method,
        path,
        None,
        headers,
        body,
        secret_of={app_key: secret},
        now_ms=int(time.time() * 1000),
        nonces=nonces,
        max_skew_ms=max_skew_ms,
    )


plugin = WebhookPlugin()
