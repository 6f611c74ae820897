"""pluggy hook implementations of ``gaozhi-plugin-sharing-http``.

Configure through the host configuration section ``plugins.sharing-http``::

    {"plugins": {"sharing-http": {"base_url": "https://gateway.example",
                                  "app_key": "AK", "secret_env": "GAOZHI_SHARING_SECRET",
                                  "profile": "gaozhi-hmac-sm3-v1"}}}

Without that section the plugin stays inert (every decision hook returns None, events
are ignored).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from gaozhi_plugin_sharing_http.connector import ConnectorSettings, SharingHttpConnector
from gaozhi_sdk import (
    LifecycleEvent,
    ProofCheckRequest,
    ProofCheckResult,
    ProviderRegistration,
    hookimpl,
)
from gaozhi_sdk.models import Applicant, CreditSnapshot

__all__ = ["SECTION", "SharingHttpPlugin", "plugin"]

log = logging.getLogger("gaozhi_plugin_sharing_http")
SECTION = "sharing-http"

#: outbox topics pushed to the platform, and the operation each maps to
PUSH_TOPICS = {
    "credit.record_created": "credit",
    "credit.record_repaired": "credit",
    "verification.on_site_dispatched": "onsite",
}


class SharingHttpPlugin:
    """The plugin object (one per host is fine; the entry point exposes ``plugin``)."""

    def __init__(self, connector: SharingHttpConnector | None = None) -> None:
        self.connector = connector
        self._explicit = connector is not None  # kept when the host config has no section
        self._lock = threading.Lock()

    @hookimpl
    def gaozhi_configure(self, config: Mapping[str, Any]) -> None:
        """Build the connector from ``plugins.sharing-http`` (inert without it; a
        connector passed to the constructor is kept when there is no section)."""
        section = dict(config.get("plugins", {})).get(SECTION)
        with self._lock:
            if not section and self._explicit:
                return
            self._explicit = False
            if self.connector is not None:
                self.connector.close()
                self.connector = None
            if section:
                self.connector = SharingHttpConnector(ConnectorSettings.from_mapping(section))
                log.info("sharing-http configured for %s", self.connector.settings.base_url)

    @hookimpl
    def gaozhi_shutdown(self) -> None:
        """Close pooled connections."""
        if self.connector is not None:
            self.connector.close()

    @hookimpl
    def gaozhi_register_providers(self) -> Iterable[ProviderRegistration]:
        """Every provider kind this plugin offers, built from a ``plugins.sharing-http``
        style mapping."""

        def factory(cfg: Mapping[str, Any]) -> SharingHttpConnector:
            section = dict(cfg.get("plugins", {})).get(SECTION, cfg)
            return SharingHttpConnector(ConnectorSettings.from_mapping(section))

        for kind in (
            "online_verifier",
            "credit_source",
            "credit_push",
            "assistance",
            "on_site_dispatch",
        ):
            yield ProviderRegistration(
                kind,
                SECTION,
                factory,
                description="省级数据共享 HTTP 接口 (gaozhi-hmac-sm3-v1)",
            )

    @hookimpl
    def gaozhi_verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult | None:
        """Online verification for ONLINE entries (R-044)."""
        c = self.connector
        if c is None or not c.handles(request.data_source):
            return None
        return c.verify_proof(request)

    @hookimpl
    def gaozhi_credit_snapshot(
        self, applicant: Applicant, subject_digest: str
    ) -> CreditSnapshot | None:
        """Credit snapshot for eligibility (R-020); fails closed with GZ-SH-040."""
        c = self.connector
        if c is None:
            return None
        return c.credit_snapshot(applicant, subject_digest)

    @hookimpl
    def gaozhi_event(self, event: LifecycleEvent) -> None:
        """Push credit records / on-site tasks exactly once per idempotency key; raising
        leaves the event in the outbox for the host to retry."""
        c = self.connector
        kind = PUSH_TOPICS.get(event.topic)
        if c is None or kind is None:
            return
        if kind == "credit":
            c.push_credit_record(event.idempotency_key, {"topic": event.topic, **event.payload})
        else:
            c.dispatch_onsite(event.idempotency_key, dict(event.payload))


plugin = SharingHttpPlugin()
