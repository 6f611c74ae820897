"""Signing keys, key identifiers and the key-type → verifier registry (DESIGN §4, SIGNING §5.1).

The signature algorithm is **derived from the key**, never read from a bundle:

===============================  =================================  ============
key                              algorithm                          use
===============================  =================================  ============
EC P-256 (secp256r1)             ECDSA with SHA-256, DER signature  sign+verify
Ed25519                          Ed25519, raw 64-byte signature     sign+verify,
                                                                    pinned keys
                                                                    only
RSA ≥ 2048 bits                  PKCS#1 v1.5 or PSS, SHA-256        verify only
SM2 (curve 1.2.156.10197.1.301)  via a plugin (see below)           plugin
===============================  =================================  ============

Everything else is refused (``CRYPTO_CONSTRAINTS_FAILURE``): other curves — **P-384
and P-521 included** (decision: DESIGN §4's allow-list is P-256, SM2, Ed25519 and
RSA ≥ 2048; P-384 *CA* certificates in a chain are still fine, only the signing key is
restricted) — RSA below 2048 bits, DSA, X25519/X448, Ed448.

An SM2 plugin adds itself with :func:`~gaozhi_sdk.esign.register_key_verifier`, without
touching the core::

    def sm2_factory(spki_der: bytes, signer_id: str | None) -> KeyVerifier | None:
        if SM2_CURVE_OID_DER not in spki_der:
            return None                      # not an SM2 key: let others decide
        return MySm2Verifier(spki_der, signer_id or "1234567812345678")

    register_key_verifier("sm2", sm2_factory)

Installed plugins are also found without a plugin host (why this registry is not a pluggy
hook is documented in docs/hooks.md, "签名算法注册表"): the first time a key is met that
no registered factory recognises, every entry point of the group
``gaozhi_sdk.key_verifiers`` is called once (:func:`load_verifier_plugins`) — so an auditor's
``gaozhi audit`` worker processes verify SM2 bundles as soon as the SM2 plugin is installed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from gaozhi_sdk.errors import SignatureError

__all__ = [
    "SIGNATURE_OID_HASH",
    "SM2_CURVE_OID",
    "SM2_SIGNATURE_OIDS",
    "BaseSigner",
    "EcdsaP256Signer",
    "Ed25519Signer",
    "KeyRejected",
    "KeyVerifier",
    "KeyVerifierFactory",
    "PublicKeyLike",
    "SignatureAlgorithm",
    "Signer",
    "certificate_spki",
    "key_verifier_for",
    "keyid",
    "keyid_from_spki",
    "load_certificates",
    "load_signer",
    "load_verifier_plugins",
    "register_key_verifier",
    "register_signer_loader",
    "spki_der",
    "unregister_key_verifier",
    "verify_issuer_signature",
    "verify_signature",
]

#: GB/T 32918 curve sm2p256v1 (GB/T 33560); SM2 support comes from a plugin.
SM2_CURVE_OID = "1.2.156.10197.1.301"

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_MIN_RSA_BITS = 2048


class SignatureAlgorithm(StrEnum):
    """Signature algorithms as named in reports (SIGNING §5.3)."""

    ECDSA_P256_SHA256 = "ECDSA_P256_SHA256"
    ED25519 = "ED25519"
    RSA_PKCS1_SHA256 = "RSA_PKCS1_SHA256"
    RSA_PSS_SHA256 = "RSA_PSS_SHA256"
    SM2_SM3 = "SM2_SM3"


class PublicKeyLike(Protocol):
    """Anything that can export its SubjectPublicKeyInfo (cryptography keys do)."""

    def public_bytes(
        self, encoding: serialization.Encoding, format: serialization.PublicFormat
    ) -> bytes:
        """Serialise the key."""


PrivateKeyT = TypeVar("PrivateKeyT")
PublicKeyT = TypeVar("PublicKeyT", bound=PublicKeyLike)


@runtime_checkable
class Signer(Protocol):
    """What :func:`gaozhi_sdk.esign.sign` needs from a signer.

    ``certificate_chain`` is leaf first; empty for pinned keys (the bundle then carries
    ``publicKey``). A signer may also expose ``sm2_signer_id: str`` (SM2 plugins).
    """

    @property
    def keyid(self) -> str:
        """Lower-hex SHA-256 of the SubjectPublicKeyInfo DER."""

    @property
    def public_key(self) -> PublicKeyLike:
        """The public key."""

    @property
    def certificate_chain(self) -> tuple[x509.Certificate, ...]:
        """Leaf first; empty for a pinned key."""

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the PAE) and return the signature bytes."""


def spki_der(public_key: PublicKeyLike) -> bytes:
    """SubjectPublicKeyInfo DER of a public key."""
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def keyid_from_spki(spki: bytes) -> str:
    """The bundle keyid: lower-hex SHA-256 of the SPKI DER."""
    return hashlib.sha256(spki).hexdigest()


def keyid(public_key: PublicKeyLike) -> str:
    """The bundle keyid of a public key: lower-hex SHA-256 of its SPKI DER (DESIGN §4)."""
    return keyid_from_spki(spki_der(public_key))


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _check_chain(spki: bytes, chain: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    chain = tuple(chain)
    if not chain:
        return chain
    leaf = chain[0]
    try:
        leaf_spki = spki_der(leaf.public_key())
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise SignatureError(
            "GZ-SG-003",
            f"无法读取证书公钥 (SHA-256 {_fingerprint(leaf)}): {exc}",
            message_en=f"cannot read the leaf certificate's public key: {exc}",
        ) from exc
    if leaf_spki != spki:
        raise SignatureError(
            "GZ-SG-003",
            "证书链首张证书 (签名证书) 的公钥与签名私钥不匹配: "
            f"证书主题 {leaf.subject.rfc4514_string()}, SHA-256 {_fingerprint(leaf)}; "
            f"期望公钥标识 {keyid_from_spki(spki)}, 证书中为 {keyid_from_spki(leaf_spki)}; "
            "请确认证书链以该私钥的证书开头",
            message_en=(
                "the leaf certificate's public key does not match the signing key "
                f"(expected keyid {keyid_from_spki(spki)}, found {keyid_from_spki(leaf_spki)})"
            ),
            details={"certificate_sha256": _fingerprint(leaf)},
        )
    return chain


class BaseSigner(ABC, Generic[PrivateKeyT, PublicKeyT]):
    """Base class of the signers that hold a private key: the built-in
    :class:`EcdsaP256Signer` and :class:`Ed25519Signer` and the SM2 plugin's signer.

    It keeps the private key, the public key, the SubjectPublicKeyInfo DER (and so the
    :attr:`keyid`) and the certificate chain, and provides every property of the
    :class:`Signer` protocol. A subclass sets :attr:`algorithm`, implements :meth:`sign`,
    and overrides :meth:`check_chain` when ``cryptography`` cannot read its key type from
    a certificate (SM2)::

        class MySigner(BaseSigner[MyPrivateKey, MyPublicKey]):
            algorithm = SignatureAlgorithm.SM2_SM3

            def sign(self, data: bytes) -> bytes:
                return my_library_sign(self.private_key, data)

    Args:
        private_key: the signing key (kept, never logged: ``repr()`` shows the keyid).
        public_key: its public key.
        chain: certificates, leaf first; :meth:`check_chain` refuses a leaf that does not
            hold ``public_key``. Empty for a pinned key.
        spki: the exact SubjectPublicKeyInfo DER to name the key by (default: the public
            key's own encoding; the SM2 signer passes the bytes its certificate carries).
    """

    #: The signature algorithm this signer's key makes (the verifier derives it from the
    #: key, never from the bundle).
    algorithm: ClassVar[SignatureAlgorithm]

    def __init__(
        self,
        private_key: PrivateKeyT,
        public_key: PublicKeyT,
        chain: Sequence[x509.Certificate] = (),
        *,
        spki: bytes | None = None,
    ) -> None:
        self._key = private_key
        self._public = public_key
        self._spki = spki if spki is not None else spki_der(public_key)
        self._keyid = keyid_from_spki(self._spki)
        self._chain = self.check_chain(tuple(chain))

    def check_chain(self, chain: tuple[x509.Certificate, ...]) -> tuple[x509.Certificate, ...]:
        """Return ``chain`` if its leaf certificate holds this signer's public key.

        Raises:
            SignatureError: ``GZ-SG-003`` naming the certificate and both key ids.
        """
        return _check_chain(self._spki, chain)

    @property
    def keyid(self) -> str:
        """Lower-hex SHA-256 of the SPKI DER."""
        return self._keyid

    @property
    def public_key(self) -> PublicKeyT:
        """The public key."""
        return self._public

    @property
    def spki_der(self) -> bytes:
        """SubjectPublicKeyInfo DER of the public key."""
        return self._spki

    @property
    def certificate_chain(self) -> tuple[x509.Certificate, ...]:
        """Leaf first; empty for a pinned key."""
        return self._chain

    @property
    def private_key(self) -> PrivateKeyT:
        """The private key (for :meth:`gaozhi_sdk.testing.TestPKI.save`)."""
        return self._key

    @abstractmethod
    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the PAE) and return the signature bytes."""

    def __repr__(self) -> str:
        subject = self._chain[0].subject.rfc4514_string() if self._chain else "pinned"
        return f"{type(self).__name__}(keyid={self._keyid[:16]}…, subject={subject!r})"


class EcdsaP256Signer(BaseSigner[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey]):
    """ECDSA P-256 / SHA-256 signer (DER signatures), with an optional X.509 chain."""

    algorithm = SignatureAlgorithm.ECDSA_P256_SHA256

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        """Wrap a P-256 private key.

        Args:
            private_key: an EC private key on secp256r1.
            chain: leaf first; the leaf's public key must be this key's.

        Raises:
            SignatureError: ``GZ-SG-001`` (not P-256), ``GZ-SG-003`` (chain mismatch).
        """
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise _unsupported_key(private_key)
        super().__init__(private_key, private_key.public_key(), chain)

    def sign(self, data: bytes) -> bytes:
        """ECDSA-SHA256 signature over ``data``, DER ``SEQUENCE{r, s}``."""
        return self._key.sign(data, _ECDSA_SHA256)


class Ed25519Signer(BaseSigner[ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey]):
    """Ed25519 signer (raw 64-byte signatures); pinned keys only, never with a chain."""

    algorithm = SignatureAlgorithm.ED25519

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        """Wrap an Ed25519 private key."""
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise _unsupported_key(private_key)
        super().__init__(private_key, private_key.public_key())

    def sign(self, data: bytes) -> bytes:
        """Raw 64-byte Ed25519 signature over ``data``."""
        return self._key.sign(data)


def _unsupported_key(key: object) -> SignatureError:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        what_zh, what_en = f"椭圆曲线 {key.curve.name}", f"EC curve {key.curve.name}"
    elif isinstance(key, rsa.RSAPrivateKey):
        what_zh, what_en = "RSA (仅用于验证, 不用于签名)", "RSA (verify-only)"
    else:
        what_zh = what_en = type(key).__name__
    return SignatureError(
        "GZ-SG-001",
        f"不支持用 {what_zh} 密钥签名; 允许的签名密钥: EC P-256 (ECDSA-SHA256)、"
        "Ed25519 (仅限预置公钥)、SM2 (需安装 SM2 插件)",
        message_en=(
            f"signing with {what_en} keys is not supported; allowed: EC P-256, "
            "Ed25519 (pinned keys only), SM2 (plugin)"
        ),
    )


def load_certificates(items: Sequence[bytes]) -> tuple[x509.Certificate, ...]:
    """Load certificates given as PEM (one or more per item) or DER.

    Raises:
        SignatureError: ``GZ-SG-003`` if an item is not a certificate.
    """
    out: list[x509.Certificate] = []
    for i, item in enumerate(items):
        try:
            if item.lstrip().startswith(b"-----BEGIN"):
                out.extend(x509.load_pem_x509_certificates(item))
            else:
                out.append(x509.load_der_x509_certificate(item))
        except ValueError as exc:
            raise SignatureError(
                "GZ-SG-003",
                f"第 {i + 1} 个证书无法读取 (须为 PEM 或 DER 编码的 X.509 证书): {exc}",
                message_en=f"certificate #{i + 1} is not a PEM/DER X.509 certificate: {exc}",
            ) from exc
    return tuple(out)


#: ``loader(key_bytes, password, chain)`` → a signer for keys ``cryptography`` cannot load
#: (e.g. SM2), or None when the key is not the loader's.
SignerLoader = Callable[[bytes, bytes | None, Sequence[bytes]], "Signer | None"]
_signer_loaders: dict[str, SignerLoader] = {}


def register_signer_loader(name: str, loader: SignerLoader) -> None:
    """Let a plugin load private keys ``cryptography`` refuses (e.g. SM2) in :func:`load_signer`.

    Registering a name again replaces the loader.
    """
    with _lock:
        _signer_loaders[name] = loader


def _plugin_signer(
    key_pem_or_der: bytes, password: bytes | None, chain: Sequence[bytes]
) -> Signer | None:
    for _ in range(2):  # second pass after loading installed verifier plugins
        for loader in list(_signer_loaders.values()):
            found = loader(key_pem_or_der, password, chain)
            if found is not None:
                return found
        if not load_verifier_plugins():
            break
    return None


def load_signer(
    key_pem_or_der: bytes,
    *,
    password: bytes | None = None,
    chain: Sequence[bytes] = (),
) -> EcdsaP256Signer | Ed25519Signer | Signer:
    """Load a signer from a private key (PEM/DER PKCS#8, encrypted too, or traditional EC PEM).

    The algorithm is derived from the key: P-256 → ECDSA-SHA256, Ed25519 → Ed25519; keys
    ``cryptography`` cannot load (SM2) go to loaders registered by plugins
    (:func:`register_signer_loader`; the SM2 plugin returns an SM2-with-SM3 signer).

    Args:
        key_pem_or_der: the private key.
        password: the password of an encrypted key.
        chain: certificates, leaf first (PEM or DER); the leaf must hold the key's
            public key. Not allowed for Ed25519 (pinned keys only).

    Raises:
        SignatureError: ``GZ-SG-002`` (unreadable key, wrong or missing password),
            ``GZ-SG-001`` (key type not allowed for signing), ``GZ-SG-003`` (chain).
    """
    try:
        if key_pem_or_der.lstrip().startswith(b"-----BEGIN"):
            key: Any = serialization.load_pem_private_key(key_pem_or_der, password=password)
        else:
            key = serialization.load_der_private_key(key_pem_or_der, password=password)
    except TypeError as exc:
        encrypted = password is None
        raise SignatureError(
            "GZ-SG-002",
            "私钥已加密, 请提供密码" if encrypted else "私钥未加密, 不应提供密码",
            message_en=(
                "the private key is encrypted; a password is required"
                if encrypted
                else "the private key is not encrypted; do not pass a password"
            ),
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        if isinstance(exc, UnsupportedAlgorithm):
            plugin_signer = _plugin_signer(key_pem_or_der, password, chain)
            if plugin_signer is not None:
                return plugin_signer
        raise SignatureError(
            "GZ-SG-002",
            "无法读取私钥: 格式无法识别或密码错误 (支持 PKCS#8 PEM/DER, 含加密, 及传统 EC PEM)",
            message_en=f"cannot load the private key (format or password): {exc}",
        ) from exc
    certs = load_certificates(chain)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return EcdsaP256Signer(key, certs)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        if certs:
            raise SignatureError(
                "GZ-SG-003",
                "Ed25519 密钥只能以预置公钥方式使用, 不能附带证书链",
                message_en="Ed25519 keys are for pinned use only; no certificate chain",
            )
        return Ed25519Signer(key)
    raise _unsupported_key(key)


# -- verification: key type → verifier registry ----------------------------------------


class KeyVerifier(Protocol):
    """Verifies signatures for one trusted key; the algorithm is fixed by the key."""

    @property
    def algorithm(self) -> str:
        """Report name of the (primary) algorithm, e.g. ``ECDSA_P256_SHA256``."""

    @property
    def pinned_only(self) -> bool:
        """True when the key may only be trusted by pinning (no X.509 path)."""

    def verify(self, signature: bytes, data: bytes) -> str | None:
        """Return the algorithm name if ``signature`` is valid over ``data``, else None."""


@dataclass(frozen=True)
class KeyRejected:
    """A key that is recognised but not allowed (or not understood at all)."""

    reason_zh: str
    reason_en: str
    #: ``CRYPTO_CONSTRAINTS_FAILURE`` unless the rejection is a format problem.
    sub_indication: str = "CRYPTO_CONSTRAINTS_FAILURE"


#: ``factory(spki_der, sm2_signer_id)`` → a verifier, a
#: :class:`~gaozhi_sdk.esign.keys.KeyRejected`, or ``None`` when the factory does not recognise
#: the key (the next factory is tried).
KeyVerifierFactory = Callable[[bytes, str | None], "KeyVerifier | KeyRejected | None"]


@dataclass(frozen=True)
class _EcdsaP256Verifier:
    key: ec.EllipticCurvePublicKey
    algorithm: str = SignatureAlgorithm.ECDSA_P256_SHA256
    pinned_only: bool = False

    def verify(self, signature: bytes, data: bytes) -> str | None:
        try:
            self.key.verify(signature, data, _ECDSA_SHA256)
        except InvalidSignature:
            return None
        return self.algorithm


@dataclass(frozen=True)
class _Ed25519Verifier:
    key: ed25519.Ed25519PublicKey
    algorithm: str = SignatureAlgorithm.ED25519
    pinned_only: bool = True

    def verify(self, signature: bytes, data: bytes) -> str | None:
        if len(signature) != 64:
            return None
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return None
        return self.algorithm


@dataclass(frozen=True)
class _RsaVerifier:
    key: rsa.RSAPublicKey
    algorithm: str = SignatureAlgorithm.RSA_PKCS1_SHA256
    pinned_only: bool = False

    def verify(self, signature: bytes, data: bytes) -> str | None:
        try:
            self.key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            pass
        else:
            return SignatureAlgorithm.RSA_PKCS1_SHA256
        try:
            self.key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return None
        return SignatureAlgorithm.RSA_PSS_SHA256


def _cryptography_factory(spki: bytes, signer_id: str | None) -> KeyVerifier | KeyRejected | None:
    """Core factory: P-256, Ed25519, RSA ≥ 2048; rejects other keys cryptography knows."""
    try:
        key: PublicKeyTypes = serialization.load_der_public_key(spki)
    except UnsupportedAlgorithm:
        return None  # e.g. SM2: left to plugins
    except ValueError as exc:
        return KeyRejected(
            f"公钥无法解析 (不是合法的 SubjectPublicKeyInfo DER): {exc}",
            f"public key is not a valid SubjectPublicKeyInfo: {exc}",
            "FORMAT_FAILURE",
        )
    if signer_id is not None:
        return KeyRejected(
            "sm2SignerId 只适用于 SM2 密钥, 该签名者不是 SM2 密钥",
            "sm2SignerId is only allowed with SM2 keys",
            "FORMAT_FAILURE",
        )
    if isinstance(key, ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return _EcdsaP256Verifier(key)
        return KeyRejected(
            f"签名密钥曲线 {key.curve.name} 不在允许列表中 (仅允许 P-256、SM2、Ed25519)",
            f"signing key curve {key.curve.name} is not allowed (P-256, SM2, Ed25519 only)",
        )
    if isinstance(key, ed25519.Ed25519PublicKey):
        return _Ed25519Verifier(key)
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            return KeyRejected(
                f"RSA 密钥长度 {key.key_size} 位, 低于要求的 {_MIN_RSA_BITS} 位",
                f"RSA key of {key.key_size} bits is below the required {_MIN_RSA_BITS}",
            )
        return _RsaVerifier(key)
    return KeyRejected(
        f"签名密钥类型 {type(key).__name__} 不在允许列表中",
        f"signing key type {type(key).__name__} is not allowed",
    )


_registry: dict[str, KeyVerifierFactory] = {"cryptography": _cryptography_factory}
_cache: dict[tuple[bytes, str | None], KeyVerifier | KeyRejected] = {}
_lock = threading.Lock()
_CACHE_MAX = 4096

#: Entry-point group of callables that register key verifiers (e.g. the SM2 plugin's).
VERIFIER_PLUGIN_GROUP = "gaozhi_sdk.key_verifiers"
_plugins_loaded: set[str] = set()  # holds the group name once its entry points ran
_log = logging.getLogger(__name__)


def load_verifier_plugins() -> int:
    """Call every ``gaozhi_sdk.key_verifiers`` entry point, once per process.

    Each entry point is a no-argument callable that registers its factories (and, for
    SM2, a chain validator). Failures are logged and skipped: the keys they would have
    handled are then refused with a coded reason, never misread.

    Returns:
        How many entry points were called now (0 on later calls).
    """
    with _lock:
        if VERIFIER_PLUGIN_GROUP in _plugins_loaded:
            return 0
        _plugins_loaded.add(VERIFIER_PLUGIN_GROUP)
    called = 0
    for ep in importlib.metadata.entry_points(group=VERIFIER_PLUGIN_GROUP):
        try:
            ep.load()()
        except Exception as exc:  # a broken plugin must not break verification of others
            _log.warning("key verifier plugin %s could not be loaded: %s", ep.name, exc)
            continue
        called += 1
    return called


def register_key_verifier(name: str, factory: KeyVerifierFactory) -> None:
    """Add a key-type → verifier factory (e.g. the SM2 plugin).

    Factories are asked in registration order (the core ``cryptography`` one first,
    which declines keys it cannot load, such as SM2). The first verifier returned wins;
    a :class:`~gaozhi_sdk.esign.keys.KeyRejected` stands unless a later factory accepts the
    key. Registering a name again replaces the factory.
    """
    with _lock:
        _registry[name] = factory
        _cache.clear()


def unregister_key_verifier(name: str) -> None:
    """Remove a factory registered with :func:`register_key_verifier`."""
    if name == "cryptography":
        raise ValueError("the core verifier cannot be removed")
    with _lock:
        _registry.pop(name, None)
        _cache.clear()


def key_verifier_for(spki: bytes, signer_id: str | None = None) -> KeyVerifier | KeyRejected:
    """The verifier for a trusted key's SPKI DER, or why the key is refused (cached)."""
    cache_key = (spki, signer_id)
    found = _cache.get(cache_key)
    if found is not None:
        return found
    result: KeyVerifier | KeyRejected | None = None
    for factory in list(_registry.values()):
        found_now = factory(spki, signer_id)
        if found_now is None:
            continue
        if not isinstance(found_now, KeyRejected):
            result = found_now
            break
        if result is None:  # a rejection stands unless a later factory accepts the key
            result = found_now
    if result is None and load_verifier_plugins():
        return key_verifier_for(spki, signer_id)
    if result is None:
        result = KeyRejected(
            "签名密钥算法无法识别或不受支持 (SM2 需安装 SM2 插件)",
            "unknown or unsupported signing key algorithm (SM2 needs the SM2 plugin)",
        )
    with _lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[cache_key] = result
    return result


def verify_signature(
    spki: bytes, signature: bytes, data: bytes, *, signer_id: str | None = None
) -> str:
    """Verify ``signature`` over ``data`` with the trusted key ``spki``.

    Returns:
        The algorithm name that verified.

    Raises:
        SignatureError: ``GZ-SG-011`` key not allowed, ``GZ-SG-012`` bad signature.
    """
    verifier = key_verifier_for(spki, signer_id)
    if isinstance(verifier, KeyRejected):
        raise SignatureError("GZ-SG-011", verifier.reason_zh, message_en=verifier.reason_en)
    algorithm = verifier.verify(signature, data)
    if algorithm is None:
        raise SignatureError(
            "GZ-SG-012", "签名值验证失败", message_en="signature verification failed"
        )
    return algorithm


# -- signatures of issuers: CRLs, OCSP responses, time-stamp tokens ---------------------

#: SM2-with-SM3 signature algorithm OIDs (GB/T 33560 ``sm2sign-with-sm3``; GB/T 35275
#: CMS uses ``sm2-1`` 1.2.156.10197.1.301.1 for the same algorithm).
SM2_SIGNATURE_OIDS = frozenset({"1.2.156.10197.1.501", "1.2.156.10197.1.301.1"})

_EC_OIDS = {
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
    "1.2.840.10045.2.1": None,  # id-ecPublicKey as CMS signatureAlgorithm: digestAlgorithm
}
_RSA_OIDS = {
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
    "1.2.840.113549.1.1.1": None,  # rsaEncryption as CMS signatureAlgorithm
}
_RSA_PSS_OID = "1.2.840.113549.1.1.10"
_ED25519_OID = "1.3.101.112"
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sm3": hashes.SM3,
}

#: Hash names by signature algorithm OID (for objects whose hash cryptography cannot name).
SIGNATURE_OID_HASH: dict[str, str] = {
    **{k: v for k, v in (_EC_OIDS | _RSA_OIDS).items() if v is not None},
    **dict.fromkeys(SM2_SIGNATURE_OIDS, "sm3"),
}


def certificate_spki(certificate: x509.Certificate) -> bytes:
    """The exact SubjectPublicKeyInfo DER of a certificate, also for keys ``cryptography``
    cannot load (SM2)."""
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]

    der = certificate.public_bytes(serialization.Encoding.DER)
    return bytes(
        asn1_x509.Certificate.load(der)["tbs_certificate"]["subject_public_key_info"].dump()
    )


def verify_issuer_signature(
    spki: bytes, signature: bytes, data: bytes, *, signature_oid: str, hash_name: str | None
) -> bool:
    """Verify a signature an issuer made over ``data`` — a CRL, an OCSP response, a
    time-stamp token's signed attributes — with the key ``spki``.

    The key decides the algorithm (DESIGN §4), and ``signature_oid`` (what the object
    claims) must agree with it: EC → ECDSA, RSA ≥ 2048 → PKCS#1 v1.5 or PSS, Ed25519; keys
    ``cryptography`` cannot load go to the registered key verifiers
    (:func:`register_key_verifier`) — the SM2 plugin's verifies SM2-with-SM3 with the
    standard signer ID — and only with an SM2 signature OID. ``hash_name`` (``sha256``,
    ``sha384``, ``sha512``, ``sm3``) is the digest the object names; SHA-1, MD5 and
    unknown algorithms are refused. Never raises on bad input: returns False.
    """
    try:
        key: PublicKeyTypes = serialization.load_der_public_key(spki)
    except UnsupportedAlgorithm:
        if signature_oid not in SM2_SIGNATURE_OIDS or hash_name not in (None, "sm3"):
            return False
        verifier = key_verifier_for(spki)
        if isinstance(verifier, KeyRejected) or verifier.algorithm != SignatureAlgorithm.SM2_SM3:
            return False
        return verifier.verify(signature, data) is not None
    except ValueError:
        return False
    try:
        return _verify_loaded(key, signature, data, signature_oid, hash_name)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False


def _verify_loaded(
    key: PublicKeyTypes, signature: bytes, data: bytes, oid: str, hash_name: str | None
) -> bool:
    if isinstance(key, ed25519.Ed25519PublicKey):
        if oid != _ED25519_OID:
            return False
        key.verify(signature, data)
        return True
    if isinstance(key, ec.EllipticCurvePublicKey) and oid in _EC_OIDS:
        name = _EC_OIDS[oid] or hash_name
        if name is None or name == "sm3" or (hash_name is not None and hash_name != name):
            return False
        key.verify(signature, data, ec.ECDSA(_HASHES[name]()))
        return True
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= _MIN_RSA_BITS:
        if oid == _RSA_PSS_OID and hash_name in ("sha256", "sha384", "sha512"):
            h = _HASHES[hash_name]()
            pss = padding.PSS(mgf=padding.MGF1(h), salt_length=padding.PSS.AUTO)
            key.verify(signature, data, pss, h)
            return True
        name = _RSA_OIDS.get(oid, "") or hash_name
        if oid not in _RSA_OIDS or name in (None, "", "sm3"):
            return False
        if hash_name is not None and hash_name != name:
            return False
        key.verify(signature, data, padding.PKCS1v15(), _HASHES[str(name)]())
        return True
    return False
