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
    """Called once the host is configured; historic, so late plugins still receive it.

    Args:
        config: the host configuration (plugin settings under ``plugins.<name>``).

    Example::

        @hookimpl
        def gaozhi_configure(config):
            settings.update(config.get("plugins", {}).get("my-plugin", {}))
    """


@hookspec
def gaozhi_shutdown() -> None:
    """Called when the host closes: release sessions, threads and files.

    Example::

        @hookimpl
        def gaozhi_shutdown():
            session.close()
    """


# -- registration ----------------------------------------------------------------------


@hookspec
def gaozhi_register_providers() -> Iterable[ProviderRegistration]:
    """Offer providers (online verification, credit, push, assistance, dispatch, TSA).

    Returns:
        ProviderRegistration objects; names must be unique per kind across plugins.

    Example::

        @hookimpl
        def gaozhi_register_providers():
            yield ProviderRegistration("online_verifier", "henan-share", HenanVerifier)
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_signers() -> Iterable[SignerRegistration]:
    """Offer seal signers for organs (e.g. keys held in a signing server or token).

    Example::

        @hookimpl
        def gaozhi_register_signers():
            yield SignerRegistration("11411222005123018X", load_seal())
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_stores() -> Iterable[StoreRegistration]:
    """Offer store backends for URL schemes (``postgresql://…``).

    Example::

        @hookimpl
        def gaozhi_register_stores():
            yield StoreRegistration("postgresql", PostgresStore.from_url)
    """
    raise NotImplementedError  # pragma: no cover - specification only


@hookspec
def gaozhi_register_commitment_lists() -> Iterable[CommitmentListRegistration]:
    """Ship commitment lists (YAML/JSON text or models) with a plugin.

    Example::

        @hookimpl
        def gaozhi_register_commitment_lists():
            yield CommitmentListRegistration("市场监管", files("my_pkg") / "list.yaml")
    """
    raise NotImplementedError  # pragma: no cover - specification only


# -- decisions (firstresult) -----------------------------------------------------------------


@hookspec(firstresult=True)
def gaozhi_credit_snapshot(applicant: Applicant, subject_digest: str) -> CreditSnapshot | None:
    """An external credit snapshot of an applicant (R-020, R-075); None if unknown.

    Example::

        @hookimpl
        def gaozhi_credit_snapshot(applicant, subject_digest):
            return platform.snapshot(applicant.id_type, applicant.id_number)
    """


@hookspec(firstresult=True)
def gaozhi_verify_proof(request: ProofCheckRequest) -> ProofCheckResult | None:
    """Verify one pledged proof online (R-044); None when not this plugin's data source.

    Must end in one of the six outcomes of DESIGN §7 and never raise for remote failures.

    Example::

        @hookimpl
        def gaozhi_verify_proof(request):
            if request.data_source != "全国人口信息":
                return None
            return client.check(request)
    """


@hookspec(firstresult=True)
def gaozhi_render_document(kind: str, model: Any, fmt: str) -> bytes | None:
    """Render a document (``kind`` notice|pledge|list|disclosure|report, ``fmt`` html|docx|
    xlsx|md) — an organ overrides the built-in templates by returning bytes.

    Example::

        @hookimpl
        def gaozhi_render_document(kind, model, fmt):
            if kind == "notice" and fmt == "html":
                return my_template.render(notice=model).encode()
            return None
    """


# -- events (1:N, from the outbox) ------------------------------------------------------------


@hookspec
def gaozhi_event(event: LifecycleEvent) -> None:
    """A committed lifecycle event (topics: ``notice.issued``, ``pledge.signed``,
    ``pledge.accepted``, ``pledge.withdrawn``, ``case.decided``, ``case.concluded``,
    ``verification.completed``, ``pledge.false_found``, ``credit.record_created``,
    ``credit.record_repaired``, ``disclosure.published`` …).

    Delivered at least once: de-duplicate on ``event.idempotency_key``. Raising marks the
    delivery failed for this implementation only; it is retried later.

    Example::

        @hookimpl
        def gaozhi_event(event):
            if event.topic == "credit.record_created":
                queue.put(event.idempotency_key, event.payload)
    """
