"""Hook specifications of gaozhi-sdk (DESIGN §5). Every hook starts with ``gaozhi_``.

Families:

* lifecycle — :func:`gaozhi_configure` (historic), :func:`gaozhi_shutdown`;
* registration — plugins yield typed objects (:mod:`gaozhi_sdk.plugin_types`) that the
  host checks and de-duplicates;
* decisions — ``firstresult``: the first non-None answer wins;
* events — 1:N, delivered from the store's outbox after commit, at least once, each with
  an idempotency key; a failing implementation is isolated and retried.

Implement hooks in a module or class decorated with :data:`gaozhi_sdk.hookimpl` and
expose it through the ``gaozhi_sdk`` entry-point group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from cryptography import x509

    from gaozhi_sdk.authentication import EventCertificateAuthority, IdentityProvider
    from gaozhi_sdk.esign.identity import CertificateIdentity
    from gaozhi_sdk.models.parties import Applicant, CreditSnapshot
    from gaozhi_sdk.plugin_types import (
        CommitmentListRegistration,
        LifecycleEvent,
        ProviderRegistration,
        SignerRegistration,
        StoreRegistration,
    )
    from gaozhi_sdk.providers import ProofCheckRequest, ProofCheckResult

PROJECT = "gaozhi_sdk"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]


# -- lifecycle ---------------------------------------------------------------------------


@hookspec(historic=True)
def gaozhi_configure(config: Mapping[str, Any]) -> None:
    """Receive the host configuration; historic, so plugins registered later still get it.

    Not firstresult: every implementation is called (1:N), in registration order reversed.

    Args:
        config: the host configuration; each plugin reads its own section
            ``config["plugins"][<plugin name>]``.

    Returns:
        None.

    Example::

        @hookimpl
        def gaozhi_configure(config):
            settings.update(config.get("plugins", {}).get("my-plugin", {}))
    """


@hookspec
def gaozhi_shutdown() -> None:
    """Release sessions, threads and files when the host closes.

    Not firstresult: every implementation is called; one raising implementation is
    logged with its plugin name and does not stop the others.

    Returns:
        None.

    Example::

        @hookimpl
        def gaozhi_shutdown():
            session.close()
    """


# -- registration ----------------------------------------------------------------------


@hookspec
def gaozhi_register_providers() -> Iterable[ProviderRegistration]:
    """Offer providers (online verification, credit, push, assistance, dispatch, TSA).

    Not firstresult: every plugin's registrations are collected, type-checked and
    de-duplicated by the host (``PluginHost.providers(kind)``).

    Returns:
        an iterable of :class:`~gaozhi_sdk.plugin_types.ProviderRegistration`; the pair
        (kind, name) must be unique across plugins (GZ-PL-005 names both plugins).

    Example::

        @hookimpl
        def gaozhi_register_providers():
            yield ProviderRegistration("online_verifier", "henan-share", HenanVerifier)
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_signers() -> Iterable[SignerRegistration]:
    """Offer seal signers for organs (e.g. keys held in a signing server or token).

    Not firstresult: collected from every plugin; ``PledgeService.open(host=...)`` adds
    them to its signers (explicit ``signers`` win).

    Returns:
        an iterable of :class:`~gaozhi_sdk.plugin_types.SignerRegistration`, at most one
        per organ USCC across plugins.

    Example::

        @hookimpl
        def gaozhi_register_signers():
            yield SignerRegistration("11411222005123018X", load_seal())
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_stores() -> Iterable[StoreRegistration]:
    """Offer store backends for URL schemes (``postgresql://…``).

    Not firstresult: collected from every plugin; the built-in plugin registers
    ``sqlite``. ``PledgeService.open(url, host=...)`` opens other schemes through them.

    Returns:
        an iterable of :class:`~gaozhi_sdk.plugin_types.StoreRegistration`, one per scheme.

    Example::

        @hookimpl
        def gaozhi_register_stores():
            yield StoreRegistration("postgresql", PostgresStore.from_url)
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_commitment_lists() -> Iterable[CommitmentListRegistration]:
    """Ship commitment lists (YAML/JSON text or models) with a plugin.

    Not firstresult: collected from every plugin (``PluginHost.commitment_lists()``).

    Returns:
        an iterable of :class:`~gaozhi_sdk.plugin_types.CommitmentListRegistration`,
        unique by name.

    Example::

        @hookimpl
        def gaozhi_register_commitment_lists():
            yield CommitmentListRegistration("市场监管", files("my_pkg") / "list.yaml")
    """
    raise NotImplementedError  # pragma: no cover - specification only


# -- decisions (firstresult) -----------------------------------------------------------------


@hookspec(firstresult=True)
def gaozhi_credit_snapshot(applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
    """An external credit snapshot of an applicant (R-020, R-075).

    firstresult: stops at the first non-None result; the host checks that it is a
    ``CreditSnapshot`` (GZ-PL-006 names the plugin otherwise).

    Args:
        applicant: the applicant (full identifier: never log it).
        subject_digest: the identifier's digest keyed with the store's deployment secret
            (``<key id>:<hex>``), to key caches, logs and evidence.

    Returns:
        a :class:`~gaozhi_sdk.models.CreditSnapshot`, or None if this source knows nothing.

    Example::

        @hookimpl
        def gaozhi_credit_snapshot(applicant, subject_digest):
            return platform.snapshot(applicant.id_type, applicant.id_number)
    """


@hookspec(firstresult=True)
def gaozhi_verify_proof(request: ProofCheckRequest) -> ProofCheckResult | None:
    """Verify one pledged proof online (R-044).

    firstresult: stops at the first non-None result; the host checks that it is a
    ``ProofCheckResult`` for the same ``request_id``. Must end in one of the six outcomes
    of DESIGN §7 and never raise for remote failures (→ ``UNDETERMINED``). When every
    implementation returns None the verification goes to assisted verification (R-046).

    Args:
        request: what to check (data source, subject, proof); ``request_id`` is the
            business request id, fixed across retries.

    Returns:
        a :class:`~gaozhi_sdk.ProofCheckResult`, or None when the data source is not
        this plugin's.

    Example::

        @hookimpl
        def gaozhi_verify_proof(request):
            if request.data_source != "全国人口信息":
                return None
            return client.check(request)
    """


@hookspec(firstresult=True)
def gaozhi_render_document(kind: str, model: Any, fmt: str) -> bytes | None:
    """Render a document; an organ overrides the built-in templates by returning bytes.

    firstresult: stops at the first non-None result; the host checks that it is bytes.

    Args:
        kind: ``notice`` | ``pledge`` | ``list`` | ``disclosure`` | ``report``.
        model: the document model (e.g. a ``Notice``).
        fmt: ``html`` | ``docx`` | ``xlsx`` | ``md`` (or a plugin's own format).

    Returns:
        the rendered bytes, or None to leave the document to the next renderer.

    Example::

        @hookimpl
        def gaozhi_render_document(kind, model, fmt):
            if kind == "notice" and fmt == "html":
                return my_template.render(notice=model).encode()
            return None
    """


@hookspec(firstresult=True)
def gaozhi_identity_provider(name: str | None) -> IdentityProvider | None:
    """Offer a real-name identity provider (人脸识别、电子社保卡、短信验证码、UKey;
    DESIGN §4a) for applicants who sign with an event certificate or a platform
    attestation.

    firstresult: stops at the first non-None result; answer None when ``name`` is given
    and is not your provider's name. The result must satisfy
    :class:`gaozhi_sdk.authentication.IdentityProvider` (``name``, ``start``, ``finish``);
    the host checks it (GZ-PL-006). :class:`gaozhi_sdk.PledgeService` asks this hook when
    opened with a host and no ``identity_provider``.

    Args:
        name: the provider wanted, or None for any.

    Returns:
        An :class:`~gaozhi_sdk.authentication.IdentityProvider`, or None.

    Example::

        @hookimpl
        def gaozhi_identity_provider(name):
            if name in (None, "province-face"):
                return ProvinceFaceAuth(settings["url"], settings["app_key"])
            return None
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec(firstresult=True)
def gaozhi_event_certificate_authority(name: str | None) -> EventCertificateAuthority | None:
    """Offer an event-certificate CA: short-lived certificates issued after real-name
    authentication to a key on the applicant's device (DESIGN §4a).

    firstresult: stops at the first non-None result; answer None when ``name`` is given
    and is not yours. The result must satisfy
    :class:`gaozhi_sdk.authentication.EventCertificateAuthority` (``challenge``,
    ``issue``); the host checks it (GZ-PL-006). ``gaozhi-plugin-event-ca-http`` implements
    it for CAs speaking the event-CA HTTP API.

    Args:
        name: the CA wanted, or None for any.

    Returns:
        An :class:`~gaozhi_sdk.authentication.EventCertificateAuthority`, or None.

    Example::

        @hookimpl
        def gaozhi_event_certificate_authority(name):
            if name in (None, "province-ca"):
                return HttpEventCA(settings["url"])
            return None
    """
    raise NotImplementedError  # pragma: no cover - specification only


# -- events (1:N, from the outbox) ------------------------------------------------------------


@hookspec
def gaozhi_certificate_identities(certificate: x509.Certificate) -> Iterable[CertificateIdentity]:
    """Read the holder's identity from a signing certificate of a CA whose encoding the
    built-in readers do not know (DESIGN §4 signer policy).

    Not firstresult: every implementation is called and all identities are combined with
    those of the built-in readers. Each value must be canonical (ASCII, upper case,
    valid check character); a non-canonical value, or two different values of one kind,
    make the certificate's identity ambiguous and it may sign nothing. Return nothing
    (an empty list or None) for certificates of other CAs.

    Args:
        certificate: the leaf certificate of a signature whose chain is being validated.

    Returns:
        :class:`~gaozhi_sdk.esign.CertificateIdentity` objects (kind, value, source).

    Example::

        from gaozhi_sdk.esign import CertificateIdentity, IdentityKind

        @hookimpl
        def gaozhi_certificate_identities(certificate):
            if "Example Province CA" not in certificate.issuer.rfc4514_string():
                return []
            cn = certificate.subject.rfc4514_string()  # "CN=张三@110105...@1"
            parts = cn.removeprefix("CN=").split("@")
            return [CertificateIdentity(IdentityKind.RESIDENT_ID, parts[1], "subject:CN@2")]
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_event(event: LifecycleEvent) -> None:
    """A committed lifecycle event, delivered from the outbox after commit.

    Not firstresult: every implementation is called separately
    (:func:`gaozhi_sdk.events.deliver_pending`). Topics: ``notice.issued``,
    ``pledge.signed``, ``pledge.accepted``, ``pledge.withdrawn``, ``case.decided``,
    ``case.concluded``, ``verification.completed``, ``pledge.false_found``,
    ``credit.record_created``, ``credit.record_repaired``, ``disclosure.published`` …

    Delivered at least once: de-duplicate on ``event.idempotency_key``. Raising marks
    the delivery failed for this implementation only; it is retried later and
    dead-lettered after the configured number of attempts (never lost).

    Args:
        event: topic, idempotency key, payload (no full personal identifiers) and the
            attempt number for this plugin.

    Returns:
        None.

    Example::

        @hookimpl
        def gaozhi_event(event):
            if event.topic == "credit.record_created":
                queue.put(event.idempotency_key, event.payload)
    """
