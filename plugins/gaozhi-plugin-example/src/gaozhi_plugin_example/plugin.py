"""示例插件 — one implementation of every hook family of gaozhi-sdk, on FAKE data.

Copy this module when you write your department's adapter: keep the hook names and
signatures, replace the fake data with calls to your business system. Every hook is
registered through the ``gaozhi_sdk`` entry point in ``pyproject.toml``::

    [project.entry-points.gaozhi_sdk]
    example = "gaozhi_plugin_example.plugin"

Configuration (``PluginHost(config={"plugins": {"example": {...}}})``):

* ``event_log`` — a file path; received events are appended there as JSON lines;
* ``seals`` — ``{organ USCC: {"key_file": PEM path, "chain_files": [PEM paths]}}``:
  seal keys this plugin offers through ``gaozhi_register_signers``.

Nothing here talks to a real system: the "data source" answers from a hash of the
identifier, the "credit platform" knows one public sample identifier.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from cryptography import x509

from gaozhi_sdk import (
    CommitmentListRegistration,
    LifecycleEvent,
    ProofCheckRequest,
    ProofCheckResult,
    ProviderRegistration,
    SignerRegistration,
    StoreRegistration,
    hookimpl,
)
from gaozhi_sdk.esign import CertificateIdentity, IdentityKind, load_signer
from gaozhi_sdk.models import (
    Applicant,
    CreditSnapshot,
    CreditSnapshotItem,
    OnlineOutcome,
    Severity,
)
from gaozhi_sdk.store import SqliteStore

#: The plugin's name (entry-point name and configuration section).
NAME = "example"
#: The only data source this plugin answers for (R-044); other requests return None.
DATA_SOURCE = "示例数据源"
#: FAKE credit platform: the GB 11643 sample identifier has one adverse record.
FAKE_CREDIT_LEDGER: dict[str, tuple[CreditSnapshotItem, ...]] = {
    "11010519491231002X": (
        CreditSnapshotItem(
            record_id="EX-CREDIT-0001",
            conduct="FALSE_PLEDGE",
            severity=Severity.GENERAL,
            status="PUBLICIZED",
            recorded_on=date(2025, 3, 1),
        ),
    ),
}

settings: dict[str, Any] = {}


class EventLog:
    """Received events, de-duplicated on the idempotency key (delivery is at least once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: dict[str, LifecycleEvent] = {}

    def receive(self, event: LifecycleEvent) -> bool:
        """Keep the event; False if this idempotency key was already received."""
        with self._lock:
            if event.idempotency_key in self.events:
                return False
            self.events[event.idempotency_key] = event
        path = settings.get("event_log")
        if path:
            line = {"key": event.idempotency_key, "topic": event.topic, "payload": event.payload}
            with Path(path).open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        return True


event_log = EventLog()


def fake_outcome(request: ProofCheckRequest) -> OnlineOutcome:
    """FAKE data source: the outcome follows a hash of the identifier (7:2:1)."""
    bucket = int(hashlib.sha256(request.subject_id_number.encode()).hexdigest()[:8], 16) % 10
    if bucket < 7:
        return OnlineOutcome.VERIFIED
    return OnlineOutcome.MISMATCH if bucket < 9 else OnlineOutcome.NOT_FOUND


class ExampleVerifier:
    """Online verifier provider (``online_verifier``/``example``) over the fake data source."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    def verify_proof(self, request: ProofCheckRequest) -> ProofCheckResult:
        """Answer from the fake data source; never raises (R-044)."""
        return ProofCheckResult(
            request_id=request.request_id,
            outcome=fake_outcome(request),
            evidence_ref=f"EX-{request.request_id}",
            detail="示例数据源 (假数据)",
        )


class ExampleCreditSource:
    """Credit source provider (``credit_source``/``example``) over the fake ledger."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    def credit_snapshot(self, applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
        """The fake platform's records of the applicant, or None if it knows nothing."""
        items = FAKE_CREDIT_LEDGER.get(applicant.id_number)
        if items is None:
            return None
        return CreditSnapshot(
            subject_digest=subject_digest,
            taken_at=date.today(),
            source="示例信用平台",
            items=items,
        )


# -- lifecycle ----------------------------------------------------------------------------


@hookimpl
def gaozhi_configure(config: Mapping[str, Any]) -> None:
    """Read this plugin's section ``plugins.example`` of the host configuration."""
    settings.clear()
    settings.update(config.get("plugins", {}).get(NAME, {}))


@hookimpl
def gaozhi_shutdown() -> None:
    """Release resources (the example only forgets its settings)."""
    settings.clear()


# -- registration -------------------------------------------------------------------------


@hookimpl
def gaozhi_register_providers() -> Iterable[ProviderRegistration]:
    """An online verifier and a credit source, both on fake data.

    ``priority=-10``: a real provider of the same kind (priority 0) is preferred when a
    caller asks for "the" provider of a kind without naming one.
    """
    yield ProviderRegistration(
        "online_verifier", NAME, ExampleVerifier, "示例数据源 (假数据)", priority=-10
    )
    yield ProviderRegistration(
        "credit_source", NAME, ExampleCreditSource, "示例信用平台 (假数据)", priority=-10
    )


@hookimpl
def gaozhi_register_signers() -> Iterable[SignerRegistration]:
    """Seal keys named in the configuration (``seals``), e.g. from a key file on a token."""
    for uscc, seal in sorted(settings.get("seals", {}).items()):
        key = Path(seal["key_file"]).read_bytes()
        chain = [Path(p).read_bytes() for p in seal.get("chain_files", [])]
        yield SignerRegistration(uscc, load_signer(key, chain=chain), "示例插件配置的印章")


@hookimpl
def gaozhi_register_stores() -> Iterable[StoreRegistration]:
    """``example://`` — a private in-memory SQLite store (for demonstrations)."""
    yield StoreRegistration("example", lambda url: SqliteStore(None), "示例: 内存存储")


@hookimpl
def gaozhi_register_commitment_lists() -> Iterable[CommitmentListRegistration]:
    """The example list shipped as package data (YAML text)."""
    text = files("gaozhi_plugin_example").joinpath("data/example_list.yaml").read_text("utf-8")
    yield CommitmentListRegistration("示例清单", text, "示例部门告知承诺制清单 (虚构)")


# -- decisions (firstresult) ----------------------------------------------------------------


@hookimpl
def gaozhi_credit_snapshot(applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
    """Ask the fake credit platform (R-020, R-075); None when it knows nothing."""
    return ExampleCreditSource(settings).credit_snapshot(applicant, subject_digest)


@hookimpl
def gaozhi_verify_proof(request: ProofCheckRequest) -> ProofCheckResult | None:
    """Verify proofs whose data source is :data:`DATA_SOURCE`; None for any other (R-044)."""
    if request.data_source != DATA_SOURCE:
        return None
    return ExampleVerifier(settings).verify_proof(request)


@hookimpl
def gaozhi_render_document(kind: str, model: Any, fmt: str) -> bytes | None:
    """Render a plain-text notice (``fmt="txt"``); other documents use the built-ins."""
    if kind != "notice" or fmt != "txt":
        return None
    number = getattr(model, "notice_no", None) or getattr(model, "case_no", "")
    return f"告知书 {number}\n(示例插件渲染)\n".encode()


# -- certificate identities (signer policy) --------------------------------------------------

#: FAKE CA whose personal certificates carry ``CN=<name>@<居民身份证号码>`` (no standard field).
EXAMPLE_CA_NAME = "示例省 CA"


@hookimpl
def gaozhi_certificate_identities(certificate: x509.Certificate) -> Iterable[CertificateIdentity]:
    """Read ``CN=<name>@<id>`` of :data:`EXAMPLE_CA_NAME`'s certificates; nothing otherwise.

    The SDK checks the value's canonical form; a certificate of any other CA is left to
    the built-in readers (the CN is never read by them).
    """
    issuer_cn = certificate.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not issuer_cn or issuer_cn[0].value != EXAMPLE_CA_NAME:
        return []
    cn = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    parts = str(cn[0].value).split("@") if cn else []
    if len(parts) != 2:
        return []
    return [CertificateIdentity(IdentityKind.RESIDENT_ID, parts[1], "subject:CN@2 (示例省 CA)")]


# -- applicant signing (DESIGN §4a): identity provider and event-certificate CA ----------------

_signing_lock = threading.Lock()
_signing: dict[str, Any] = {}


def _fake_signing_services() -> dict[str, Any]:
    """One FAKE identity provider and the event CA that trusts its tokens (made once).

    They are the SDK's emulators: a real adapter returns clients of the province's
    real-name authentication service and of its CA instead.
    """
    from gaozhi_sdk.testing import EmulatedEventCA, EmulatedIdentityProvider

    with _signing_lock:
        if not _signing:
            idp = EmulatedIdentityProvider(f"{NAME}-idp")
            _signing["idp"] = idp
            _signing["ca"] = EmulatedEventCA({idp.name: idp.public_key})
        return _signing


@hookimpl
def gaozhi_identity_provider(name: str | None) -> Any:
    """The FAKE identity provider, only when asked for by this plugin's name (never as the
    default: a deployment must name a fake provider on purpose)."""
    return _fake_signing_services()["idp"] if name == NAME else None


@hookimpl
def gaozhi_event_certificate_authority(name: str | None) -> Any:
    """The FAKE event CA (trusting the FAKE provider's tokens), only when asked for by
    this plugin's name."""
    return _fake_signing_services()["ca"] if name == NAME else None


# -- events (1:N, from the outbox) ----------------------------------------------------------


@hookimpl
def gaozhi_event(event: LifecycleEvent) -> None:
    """Receive a committed lifecycle event; duplicates (same idempotency key) are ignored."""
    event_log.receive(event)
