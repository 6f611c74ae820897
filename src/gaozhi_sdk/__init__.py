"""gaozhi-sdk — 证明事项告知承诺制 SDK.

The curated public API. Everything not listed in ``__all__`` is private and may change.

* identifiers: :func:`validate_resident_id`, :func:`validate_uscc`, :func:`mask_identifier` …
* the lifecycle façade: :class:`PledgeService`
* signatures: the :mod:`gaozhi_sdk.esign` module (``sign``, ``validate``, ``verify``)
* configuration: :class:`RulesConfig`, :class:`RolePolicy`
* errors: :class:`GaozhiError` and its coded subclasses
"""

from gaozhi_sdk import esign, hookspecs, models
from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.archive import (
    ArchiveManifest,
    AuditCheck,
    AuditReport,
    JournalCheckpoint,
    audit_archive,
    export_archive,
)
from gaozhi_sdk.authentication import (
    AuthenticationOutcome,
    AuthenticationRequest,
    AuthenticationResult,
    AuthenticationStart,
    CaChallenge,
    EventCertificateAuthority,
    EventCertificateRequest,
    IdentityProvider,
    IssuedEventCertificate,
)
from gaozhi_sdk.errors import (
    ArchiveError,
    BundleFormatError,
    ConfigError,
    GaozhiError,
    IntegrityError,
    InvalidIdentifierError,
    ListValidationError,
    ModelValidationError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    SignatureError,
    StoreError,
    WorkflowError,
)
from gaozhi_sdk.events import DeadLetter, DeliveryReport, dead_letters, deliver_pending, replay_dead
from gaozhi_sdk.hookspecs import hookimpl
from gaozhi_sdk.ids import (
    PII_KINDS,
    IdentifierCheck,
    PiiFinding,
    check_resident_id,
    check_uscc,
    convert_15_to_18,
    digest_identifier,
    mask_identifier,
    mask_pii,
    mask_text,
    scan_pii,
    validate_resident_id,
    validate_uscc,
)
from gaozhi_sdk.models.signing import SigningMethod
from gaozhi_sdk.plugin_types import (
    CommitmentListRegistration,
    LifecycleEvent,
    ProviderKind,
    ProviderRegistration,
    SignerRegistration,
    StoreRegistration,
)
from gaozhi_sdk.plugins import (
    BuiltinPlugin,
    HookCall,
    HostCreditSource,
    HostOnlineVerifier,
    PluginConflictError,
    PluginContractError,
    PluginError,
    PluginHost,
    PluginInfo,
    PluginLoadError,
)
from gaozhi_sdk.providers import CreditSource, OnlineVerifier, ProofCheckRequest, ProofCheckResult
from gaozhi_sdk.rules import RulesConfig, load_list
from gaozhi_sdk.service import AuthenticationSession, PledgeService, Statistics
from gaozhi_sdk.store import open_store
from gaozhi_sdk.workflow.roles import RolePolicy

__version__ = "0.1.0"

__all__ = [
    "PII_KINDS",
    "ArchiveError",
    "ArchiveManifest",
    "AuditCheck",
    "AuditReport",
    "AuthenticationOutcome",
    "AuthenticationRequest",
    "AuthenticationResult",
    "AuthenticationSession",
    "AuthenticationStart",
    "BuiltinPlugin",
    "BundleFormatError",
    "CaChallenge",
    "CommitmentListRegistration",
    "ConfigError",
    "CreditSource",
    "DeadLetter",
    "DeliveryReport",
    "EventCertificateAuthority",
    "EventCertificateRequest",
    "GaozhiError",
    "HookCall",
    "HostCreditSource",
    "HostOnlineVerifier",
    "IdentifierCheck",
    "IdentityProvider",
    "IntegrityError",
    "InvalidIdentifierError",
    "IssuedEventCertificate",
    "JournalCheckpoint",
    "LifecycleEvent",
    "ListValidationError",
    "ModelValidationError",
    "NotFoundError",
    "OnlineVerifier",
    "PermissionDeniedError",
    "PiiFinding",
    "PledgeService",
    "PluginConflictError",
    "PluginContractError",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginLoadError",
    "ProofCheckRequest",
    "ProofCheckResult",
    "ProviderKind",
    "ProviderRegistration",
    "RolePolicy",
    "RuleViolationError",
    "RulesConfig",
    "SignatureError",
    "SignerRegistration",
    "SigningMethod",
    "Statistics",
    "StoreError",
    "StoreRegistration",
    "WorkflowError",
    "__version__",
    "audit_archive",
    "check_resident_id",
    "check_uscc",
    "convert_15_to_18",
    "dead_letters",
    "deliver_pending",
    "digest_identifier",
    "esign",
    "export_archive",
    "hookimpl",
    "hookspecs",
    "load_list",
    "mask_identifier",
    "mask_pii",
    "mask_text",
    "models",
    "open_store",
    "replay_dead",
    "scan_pii",
    "validate_resident_id",
    "validate_uscc",
]

_rehome(__name__, __all__, globals())
