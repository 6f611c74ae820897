"""电子签名: signed bundles, signers, trust stores and verification reports (DESIGN §3, §4).

Typical use::

    from gaozhi_sdk import esign

    bundle = esign.sign(pledge, signer)                  # model -> Bundle
    data = bundle.to_json()                              # deterministic JSON bytes
    report = esign.validate(data, trust)                 # never raises on bad input
    pledge2, report = esign.verify(data, trust)          # raises SignatureError unless TOTAL_PASSED

Who may sign what is the verifier's :class:`SignerPolicy` (``policy=``, strict
:data:`DEFAULT_POLICY` by default): organ documents by the organ's seal, pledges by the
pledgor or the named proxy (:mod:`gaozhi_sdk.esign.policy`).
"""

from gaozhi_sdk._public import rehome as _rehome
from gaozhi_sdk.esign.bundle import (
    BUNDLE_MEDIA_TYPE,
    Bundle,
    DsseEnvelope,
    DsseSignature,
    Revocation,
    SignerMaterial,
    SigningEvidence,
    VerificationMaterial,
)
from gaozhi_sdk.esign.chain import (
    ID_KP_DOCUMENT_SIGNING,
    ChainOutcome,
    ChainValidator,
    clear_chain_cache,
    register_chain_validator,
    unregister_chain_validator,
)
from gaozhi_sdk.esign.dsse import pae
from gaozhi_sdk.esign.identity import (
    CertificateIdentity,
    IdentityKind,
    SubjectIdentity,
    SubjectKind,
    read_subject_identity,
)
from gaozhi_sdk.esign.keygen import (
    GeneratedKey,
    KeyGenerator,
    generate_key,
    register_key_generator,
)
from gaozhi_sdk.esign.keys import (
    SM2_CURVE_OID,
    BaseSigner,
    EcdsaP256Signer,
    Ed25519Signer,
    KeyRejected,
    KeyVerifier,
    KeyVerifierFactory,
    PublicKeyLike,
    SignatureAlgorithm,
    Signer,
    key_verifier_for,
    keyid,
    keyid_from_spki,
    load_certificates,
    load_signer,
    register_key_verifier,
    register_signer_loader,
    unregister_key_verifier,
    verify_signature,
)
from gaozhi_sdk.esign.payload_types import (
    media_type,
    model_for,
    parse_payload,
    payload_type_for,
    register_payload_type,
    registered_payload_types,
)
from gaozhi_sdk.esign.policy import (
    DEFAULT_POLICY,
    Grantor,
    OrganSeal,
    PledgorOrProxy,
    SignerContext,
    SignerDecision,
    SignerPolicy,
    SignerRule,
    SigningMethod,
    UnsafeAnySigner,
)
from gaozhi_sdk.esign.report import (
    Check,
    CheckStatus,
    Indication,
    SignatureReport,
    SigningMethodReport,
    SubIndication,
    ValidationTimeSource,
    VerificationReport,
)
from gaozhi_sdk.esign.revocation import RevocationFetcher
from gaozhi_sdk.esign.sign import sign, sign_many
from gaozhi_sdk.esign.timestamps import (
    HttpTimestampAuthority,
    TimestampAuthority,
    TimestampInfo,
    TimestampProblem,
    timestamp_bundle,
    tsa_registration,
    verify_timestamp,
)
from gaozhi_sdk.esign.trust import AnchorPurpose, TrustStore, trust_folder_files
from gaozhi_sdk.esign.validate import (
    POLICY_ID,
    POLICY_VERSION,
    VerifiedPayload,
    payload_model,
    validate,
    verify,
)

__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "DEFAULT_POLICY",
    "ID_KP_DOCUMENT_SIGNING",
    "POLICY_ID",
    "POLICY_VERSION",
    "SM2_CURVE_OID",
    "AnchorPurpose",
    "BaseSigner",
    "Bundle",
    "CertificateIdentity",
    "ChainOutcome",
    "ChainValidator",
    "Check",
    "CheckStatus",
    "DsseEnvelope",
    "DsseSignature",
    "EcdsaP256Signer",
    "Ed25519Signer",
    "GeneratedKey",
    "Grantor",
    "HttpTimestampAuthority",
    "IdentityKind",
    "Indication",
    "KeyGenerator",
    "KeyRejected",
    "KeyVerifier",
    "KeyVerifierFactory",
    "OrganSeal",
    "PledgorOrProxy",
    "PublicKeyLike",
    "Revocation",
    "RevocationFetcher",
    "SignatureAlgorithm",
    "SignatureReport",
    "Signer",
    "SignerContext",
    "SignerDecision",
    "SignerMaterial",
    "SignerPolicy",
    "SignerRule",
    "SigningEvidence",
    "SigningMethod",
    "SigningMethodReport",
    "SubIndication",
    "SubjectIdentity",
    "SubjectKind",
    "TimestampAuthority",
    "TimestampInfo",
    "TimestampProblem",
    "TrustStore",
    "UnsafeAnySigner",
    "ValidationTimeSource",
    "VerificationMaterial",
    "VerificationReport",
    "VerifiedPayload",
    "clear_chain_cache",
    "generate_key",
    "key_verifier_for",
    "keyid",
    "keyid_from_spki",
    "load_certificates",
    "load_signer",
    "media_type",
    "model_for",
    "pae",
    "parse_payload",
    "payload_model",
    "payload_type_for",
    "read_subject_identity",
    "register_chain_validator",
    "register_key_generator",
    "register_key_verifier",
    "register_payload_type",
    "register_signer_loader",
    "registered_payload_types",
    "sign",
    "sign_many",
    "timestamp_bundle",
    "trust_folder_files",
    "tsa_registration",
    "unregister_chain_validator",
    "unregister_key_verifier",
    "validate",
    "verify",
    "verify_signature",
    "verify_timestamp",
]

_rehome(__name__, __all__, globals())
