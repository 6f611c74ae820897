"""错误体系 — one error root with stable codes and Chinese messages.

Every error the public API raises is a :class:`GaozhiError`. Each carries a stable
``code`` (``GZ-<AREA>-<NNN>``), a Chinese message (``message``, shown first) and an
optional English message. Codes never change meaning once released; the full catalogue
is documented in ``docs/errors.md``.

Code areas:

========  =====================================================
``ID``    identifiers (居民身份证号码 / 统一社会信用代码)
``MD``    model validation
``CF``    configuration
``LS``    commitment list validation and lint
``RL``    rules (eligibility, withdrawal, verification planning)
``WF``    workflow transitions
``AU``    role policy (who may perform a transition)
``ST``    store
``JR``    journal integrity
``SG``    signatures and bundles
``AR``    archives and audit
``PL``    plugins (loading, hook contracts, event delivery)
``CLI``   command-line usage
``SH``    data-sharing transport, emulator, webhooks (:mod:`gaozhi_sdk.sharing`)
========  =====================================================

Messages never contain full personal identifiers: callers pass masked values
(see :func:`gaozhi_sdk.mask_identifier`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ArchiveError",
    "BundleFormatError",
    "ConfigError",
    "GaozhiError",
    "IntegrityError",
    "InvalidIdentifierError",
    "ListValidationError",
    "ModelValidationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RuleViolationError",
    "SignatureError",
    "StoreError",
    "WorkflowError",
]


class GaozhiError(Exception):
    """Root of every error raised by gaozhi-sdk.

    Args:
        code: stable error code, e.g. ``"GZ-WF-003"``.
        message: Chinese message (主信息).
        message_en: optional English message.
        details: structured, non-personal context (masked identifiers only).
    """

    default_code = "GZ-000"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(f"[{code}] {message}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (code, messages, details)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.message_en:
            out["message_en"] = self.message_en
        if self.details:
            out["details"] = self.details
        return out


class InvalidIdentifierError(GaozhiError, ValueError):
    """A resident ID or USCC failed normalisation, format, checksum or date checks (GZ-ID-*)."""


class ModelValidationError(GaozhiError, ValueError):
    """Input could not be turned into a domain model (GZ-MD-*)."""


class ConfigError(GaozhiError, ValueError):
    """Invalid configuration (rules, calendars, role policy, store URL) (GZ-CF-*)."""


class ListValidationError(GaozhiError, ValueError):
    """A commitment list or entry failed validation; ``findings`` lists every problem (GZ-LS-*)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        findings: list[Any] | None = None,
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, message_en=message_en, details=details)
        self.findings: list[Any] = list(findings or [])


class RuleViolationError(GaozhiError):
    """A domain rule forbids the requested action (GZ-RL-*)."""


class WorkflowError(GaozhiError):
    """An illegal or guarded-out state transition (GZ-WF-*)."""


class PermissionDeniedError(WorkflowError):
    """The actor's role may not perform this transition for this organ (GZ-AU-*)."""


class StoreError(GaozhiError):
    """The store could not complete an operation; nothing was half-applied (GZ-ST-*)."""


class NotFoundError(StoreError, LookupError):
    """A referenced record does not exist (GZ-ST-404)."""


class IntegrityError(GaozhiError):
    """The journal hash chain, a checkpoint or a stored digest does not verify (GZ-JR-*)."""


class SignatureError(GaozhiError):
    """Signing or signature verification failed (GZ-SG-*); ``report`` holds the report."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        report: Any = None,
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, message_en=message_en, details=details)
        self.report = report


class BundleFormatError(SignatureError, ValueError):
    """A bundle is not well-formed per the bundle format, version 1 (GZ-SG-1xx)."""


class ArchiveError(GaozhiError):
    """An evidence archive is missing, malformed or fails its manifest (GZ-AR-*)."""
