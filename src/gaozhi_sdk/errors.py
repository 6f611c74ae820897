"""错误体系 — one error root with stable codes and Chinese messages.

Every error the public API raises is a :class:`GaozhiError`. Each carries a stable
``code`` (``GZ-<AREA>-<NNN>``), the rule numbers it enforces (``rules``), machine-readable
context (``details``), a Chinese message (``message``, shown first) and its English twin
(``message_en``). Codes never change meaning once released; every code is listed, with its
rules and bilingual title, in :data:`gaozhi_sdk.error_codes.CATALOGUE`, from which
``docs/errors.md`` is generated.

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
``HT``    the HTTP service (``gaozhi serve``: authentication, request limits, idempotency)
``SM2``   the SM2 signing plugin (``gaozhi-plugin-sm2``)
========  =====================================================

Messages never contain full personal identifiers: callers pass masked values
(see :func:`gaozhi_sdk.mask_identifier`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gaozhi_sdk.error_codes import lookup

__all__ = [
    "ArchiveError",
    "BundleFormatError",
    "ConfigError",
    "GaozhiDeprecationWarning",
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


class GaozhiDeprecationWarning(DeprecationWarning):
    """A name of gaozhi-sdk that still works but will be removed in the next release.

    The warning names the replacement (``svc.accept(...)`` → ``svc.cases.accept(...)``).
    Make it an error in your tests to find the calls to move, e.g. in ``pyproject.toml``:
    ``filterwarnings = ["error::gaozhi_sdk.errors.GaozhiDeprecationWarning"]``.
    """


class GaozhiError(Exception):
    """Root of every error raised by gaozhi-sdk.

    Args:
        code: stable error code, e.g. ``"GZ-WF-003"`` (listed in
            :data:`gaozhi_sdk.error_codes.CATALOGUE`).
        message: Chinese message (主信息).
        message_en: the same in English; when omitted, the catalogue's English title
            followed by ``details``.
        details: structured, non-personal context (masked identifiers only).
        rules: the R-numbers the refused check enforces; when omitted, the catalogue's.

    Attributes:
        code, message, message_en, details, rules: as above (``rules`` a sorted tuple).
    """

    default_code = "GZ-000"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        message_en: str | None = None,
        details: Mapping[str, Any] | None = None,
        rules: Sequence[str] | None = None,
    ) -> None:
        entry = lookup(code)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.rules: tuple[str, ...] = tuple(
            sorted(set(rules if rules is not None else (entry.rules if entry else ())))
        )
        if message_en is None and entry is not None:
            message_en = entry.title_en + _details_en(self.details)
        self.message_en = message_en
        super().__init__(f"[{code}] {message}")

    @property
    def title_zh(self) -> str:
        """The catalogue's Chinese title of the code (the message when not catalogued)."""
        entry = lookup(self.code)
        return entry.title_zh if entry else self.message

    @property
    def title_en(self) -> str:
        """The catalogue's English title of the code."""
        entry = lookup(self.code)
        return entry.title_en if entry else (self.message_en or "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (code, rules, messages, details)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.message_en:
            out["message_en"] = self.message_en
        if self.rules:
            out["rules"] = list(self.rules)
        if self.details:
            out["details"] = self.details
        return out


def _details_en(details: Mapping[str, Any]) -> str:
    """``" (key=value, …)"`` for scalar details: the runtime facts of a default English text."""
    shown = [
        f"{k}={v}"
        for k, v in details.items()
        if isinstance(v, str | int | float | bool) and len(str(v)) <= 200
    ]
    return f" ({', '.join(shown)})" if shown else ""


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
        rules: Sequence[str] | None = None,
    ) -> None:
        super().__init__(code, message, message_en=message_en, details=details, rules=rules)
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
        rules: Sequence[str] | None = None,
    ) -> None:
        super().__init__(code, message, message_en=message_en, details=details, rules=rules)
        self.report = report


class BundleFormatError(SignatureError, ValueError):
    """A bundle is not well-formed per the bundle format, version 1 (GZ-SG-1xx)."""


class ArchiveError(GaozhiError):
    """An evidence archive is missing, malformed or fails its manifest (GZ-AR-*)."""
