"""SM2 密钥: PKCS#8 / ECPrivateKey (含加密 PKCS#8) 读取, SubjectPublicKeyInfo, 签名者.

``cryptography`` cannot load SM2 keys (``Curve 1.2.156.10197.1.301 is not supported``,
SIGNING §1.5), so the ASN.1 is read with ``asn1crypto`` and encrypted PKCS#8 (PBES2 with
PBKDF2 and AES-CBC, as ``openssl genpkey``/``openssl pkcs8`` write it; SM4-CBC too) is
decrypted with ``cryptography`` primitives. Keys look like OpenSSL 3's: algorithm
id-ecPublicKey with the named curve sm2p256v1 (GB/T 33560), uncompressed points.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from asn1crypto import algos, core, keys, pem  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from gaozhi_plugin_sm2.backend import Sm2Backend, default_backend, signing_unavailable
from gaozhi_plugin_sm2.curve import DEFAULT_SIGNER_ID, SM2_CURVE_OID, N, is_on_curve
from gaozhi_plugin_sm2.errors import Sm2Error
from gaozhi_sdk.esign import BaseSigner, SignatureAlgorithm, keyid_from_spki

__all__ = [
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Sm2Signer",
    "certificate_spki",
    "check_signer_id",
    "generate_private_key",
    "load_sm2_private_key",
    "load_sm2_signer",
    "point_from_spki",
    "spki_from_point",
]

# asn1crypto knows the curve by name once registered (idempotent).
if SM2_CURVE_OID not in keys.NamedCurve._map:
    keys.NamedCurve.register("sm2p256v1", SM2_CURVE_OID, 32)
_CURVE_NAMES = {SM2_CURVE_OID, "sm2p256v1"}
_SM4_CBC_OID = "1.2.156.10197.1.104.2"
_PRF: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _named_curve(params: Any) -> str | None:
    """The dotted/named curve of EC domain parameters, or None if not a named curve."""
    if isinstance(params, keys.ECDomainParameters) and params.name == "named":
        value = params.chosen
        return str(value.dotted) if isinstance(value, core.ObjectIdentifier) else None
    if isinstance(params, core.ObjectIdentifier):
        return str(params.dotted)
    return None


def spki_from_point(point: bytes) -> bytes:
    """SubjectPublicKeyInfo DER (id-ecPublicKey, sm2p256v1) of a 64-byte ``x ‖ y``."""
    info = keys.PublicKeyInfo(
        {
            "algorithm": keys.PublicKeyAlgorithm(
                {
                    "algorithm": "ec",
                    "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID),
                }
            ),
            "public_key": b"\x04" + point,
        }
    )
    return bytes(info.dump())


def point_from_spki(spki: bytes) -> bytes | None:
    """The 64-byte ``x ‖ y`` of an SM2 SubjectPublicKeyInfo, or None if it is not SM2.

    Raises:
        ValueError: the SPKI names the SM2 curve but its point is malformed or off the curve.
    """
    try:
        info = keys.PublicKeyInfo.load(spki, strict=True)
        alg = info["algorithm"]
        alg_oid = alg["algorithm"].dotted
        curve = _named_curve(alg["parameters"]) if alg_oid == "1.2.840.10045.2.1" else alg_oid
    except (ValueError, TypeError):
        return None
    if curve not in _CURVE_NAMES:
        return None
    raw = bytes(info["public_key"].contents)[1:]  # skip the BIT STRING unused-bits octet
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("SM2 public key must be an uncompressed point (04 ‖ x ‖ y)")
    if not is_on_curve(raw[1:]):
        raise ValueError("SM2 public key is not on the curve sm2p256v1")
    return raw[1:]


def certificate_spki(certificate: x509.Certificate | bytes) -> bytes:
    """The exact SubjectPublicKeyInfo DER of a certificate (works for SM2 certificates)."""
    der = (
        certificate
        if isinstance(certificate, bytes)
        else certificate.public_bytes(serialization.Encoding.DER)
    )
    cert = asn1_x509.Certificate.load(der)
    return bytes(cert["tbs_certificate"]["subject_public_key_info"].dump())


class Sm2PublicKey:
    """An SM2 public key; exports its SPKI like ``cryptography`` keys do."""

    def __init__(self, point: bytes) -> None:
        """Wrap a 64-byte ``x ‖ y`` (checked to be on the curve)."""
        if not is_on_curve(point):
            raise Sm2Error(
                "GZ-SM2-003",
                "SM2 公钥不在 sm2p256v1 曲线上",
                message_en="the SM2 public key is not on the curve sm2p256v1",
            )
        self.point = bytes(point)
        self._spki = spki_from_point(self.point)

    @classmethod
    def from_spki(cls, spki: bytes) -> Sm2PublicKey:
        """Load from SubjectPublicKeyInfo DER.

        Raises:
            Sm2Error: ``GZ-SM2-003`` if it is not an SM2 key.
        """
        try:
            point = point_from_spki(spki)
        except ValueError as exc:
            raise Sm2Error("GZ-SM2-003", f"SM2 公钥格式错误: {exc}", message_en=str(exc)) from exc
        if point is None:
            raise Sm2Error(
                "GZ-SM2-003", "不是 SM2 公钥", message_en="not an SM2 SubjectPublicKeyInfo"
            )
        return cls(point)

    def public_bytes(
        self, encoding: serialization.Encoding, format: serialization.PublicFormat
    ) -> bytes:
        """SubjectPublicKeyInfo as DER or PEM (other formats are refused)."""
        if format is not serialization.PublicFormat.SubjectPublicKeyInfo:
            raise ValueError("SM2 public keys export as SubjectPublicKeyInfo only")
        if encoding is serialization.Encoding.DER:
            return self._spki
        if encoding is serialization.Encoding.PEM:
            return bytes(pem.armor("PUBLIC KEY", self._spki))
        raise ValueError(f"unsupported encoding {encoding}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and other.point == self.point

    def __hash__(self) -> int:
        return hash(self.point)

    def __repr__(self) -> str:
        return f"Sm2PublicKey(keyid={keyid_from_spki(self._spki)[:16]}…)"


class Sm2PrivateKey:
    """An SM2 private key: the scalar d (1 ≤ d ≤ n-2) and its public point."""

    def __init__(self, scalar: bytes, point: bytes | None = None) -> None:
        """Wrap a 32-byte scalar; the public point is derived when not given, and checked.

        Raises:
            Sm2Error: ``GZ-SM2-002`` if the scalar is out of range or does not match ``point``.
        """
        d = int.from_bytes(scalar, "big")
        if len(scalar) > 32 or not 1 <= d <= N - 2:
            raise Sm2Error(
                "GZ-SM2-002",
                "SM2 私钥数值超出范围",
                message_en="SM2 private scalar is out of range",
            )
        self._d = d.to_bytes(32, "big")
        derived = _derive_point(self._d)
        if point is not None and point != derived:
            raise Sm2Error(
                "GZ-SM2-002",
                "SM2 私钥与其中记录的公钥不一致 (密钥文件损坏?)",
                message_en="the SM2 private key does not match its embedded public key",
            )
        self.public_key = Sm2PublicKey(derived)

    @property
    def scalar(self) -> bytes:
        """The 32-byte private scalar (keep secret)."""
        return self._d

    def to_pkcs8_der(self) -> bytes:
        """Unencrypted PKCS#8 DER as OpenSSL 3 writes SM2 keys."""
        ec_key = keys.ECPrivateKey(
            {
                "version": "ecPrivkeyVer1",
                "private_key": int.from_bytes(self._d, "big"),
                "public_key": b"\x04" + self.public_key.point,
            }
        )
        info = keys.PrivateKeyInfo(
            {
                "version": 0,
                "private_key_algorithm": keys.PrivateKeyAlgorithm(
                    {
                        "algorithm": "ec",
                        "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID),
                    }
                ),
                "private_key": ec_key,
            }
        )
        return bytes(info.dump())

    def to_pkcs8_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``)."""
        return bytes(pem.armor("PRIVATE KEY", self.to_pkcs8_der()))

    def private_bytes(
        self,
        encoding: serialization.Encoding,
        format: serialization.PrivateFormat,
        encryption_algorithm: serialization.KeySerializationEncryption,
    ) -> bytes:
        """PKCS#8 export with the signature of ``cryptography``'s ``private_bytes``.

        ``BestAvailableEncryption(password)`` writes PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
        which OpenSSL 3 and :func:`load_sm2_private_key` read.

        Raises:
            ValueError: for formats other than PKCS#8 PEM/DER or other encryptions.
        """
        if format is not serialization.PrivateFormat.PKCS8:
            raise ValueError("SM2 private keys export as PKCS#8 only")
        der = self.to_pkcs8_der()
        label = "PRIVATE KEY"
        if isinstance(encryption_algorithm, serialization.BestAvailableEncryption):
            der, label = _encrypt_pkcs8(der, encryption_algorithm.password), "ENCRYPTED PRIVATE KEY"
        elif not isinstance(encryption_algorithm, serialization.NoEncryption):
            raise ValueError("use NoEncryption or BestAvailableEncryption")
        if encoding is serialization.Encoding.DER:
            return der
        if encoding is serialization.Encoding.PEM:
            return bytes(pem.armor(label, der))
        raise ValueError(f"unsupported encoding {encoding}")

    def __repr__(self) -> str:  # never the scalar
        return f"Sm2PrivateKey(public={self.public_key!r})"


_PBKDF2_ITERATIONS = 200_000


def _encrypt_pkcs8(plain_der: bytes, password: bytes) -> bytes:
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=_PBKDF2_ITERATIONS
    ).derive(password)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    info = keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": _PBKDF2_ITERATIONS,
                            "prf": {"algorithm": "sha256"},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": encrypted,
        }
    )
    return bytes(info.dump())


def _derive_point(scalar: bytes) -> bytes:
    import gmalg  # type: ignore[import-untyped]

    return bytes(gmalg.SM2().generate_pk(scalar))[1:]


def generate_private_key() -> Sm2PrivateKey:
    """A fresh SM2 key from gmssl-pyx (GmSSL's CSPRNG).

    Raises:
        Sm2Error: ``GZ-SM2-001`` without the gmssl-pyx wheel.
    """
    try:
        import gmssl_pyx  # type: ignore[import-untyped]
    except ImportError as exc:
        raise signing_unavailable() from exc
    public, private = gmssl_pyx.sm2_key_generate()
    return Sm2PrivateKey(bytes(private), bytes(public))


# -- loading -----------------------------------------------------------------------------


def _bad_key(detail: str) -> Sm2Error:
    return Sm2Error(
        "GZ-SM2-002",
        "无法读取 SM2 私钥: 格式无法识别或密码错误 "
        "(支持 PKCS#8 PEM/DER 含加密 PBES2, 及 SEC1 EC PRIVATE KEY)",
        message_en=f"cannot load the SM2 private key: {detail}",
    )


def _decrypt_pkcs8(enc: keys.EncryptedPrivateKeyInfo, password: bytes) -> bytes:
    alg: algos.EncryptionAlgorithm = enc["encryption_algorithm"]
    if alg["algorithm"].native != "pbes2":
        raise _bad_key(f"unsupported key encryption {alg['algorithm'].native} (PBES2 only)")
    params = alg["parameters"]
    kdf = params["key_derivation_func"]
    if kdf["algorithm"].native != "pbkdf2":
        raise _bad_key(f"unsupported KDF {kdf['algorithm'].native} (PBKDF2 only)")
    kdf_params = kdf["parameters"]
    prf_name = kdf_params["prf"]["algorithm"].native
    scheme = params["encryption_scheme"]
    scheme_oid = scheme["algorithm"].dotted
    iv = bytes(scheme["parameters"].native)
    make: type[algorithms.AES] | type[algorithms.SM4]
    if scheme_oid == _SM4_CBC_OID:
        key_len, make = 16, algorithms.SM4
    else:
        enc_name = scheme["algorithm"].native
        key_len = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}.get(enc_name, 0)
        if not key_len:
            raise _bad_key(f"unsupported cipher {enc_name} (AES-CBC or SM4-CBC only)")
        make = algorithms.AES
    if prf_name not in _PRF:
        raise _bad_key(f"unsupported PRF {prf_name}")
    key = PBKDF2HMAC(
        algorithm=_PRF[prf_name](),
        length=key_len,
        salt=bytes(kdf_params["salt"].native),
        iterations=int(kdf_params["iteration_count"].native),
    ).derive(password)
    decryptor = Cipher(make(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(bytes(enc["encrypted_data"].native)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise Sm2Error(
            "GZ-SM2-002",
            "SM2 私钥密码错误",
            message_en="wrong password for the encrypted SM2 private key",
        ) from exc


def _from_ec_private_key(ec_key: keys.ECPrivateKey, curve: str | None) -> Sm2PrivateKey:
    params_curve = (
        _named_curve(ec_key["parameters"].chosen) if ec_key["parameters"].native else None
    )
    curve = curve or params_curve
    if curve not in _CURVE_NAMES:
        raise Sm2Error(
            "GZ-SM2-003",
            f"不是 SM2 私钥 (曲线 {curve or '未知'})",
            message_en=f"not an SM2 private key (curve {curve or 'unknown'})",
        )
    scalar = int(ec_key["private_key"].native).to_bytes(32, "big")
    public = ec_key["public_key"]
    point: bytes | None = None
    if public.native is not None:
        raw = bytes(public.native)
        if len(raw) != 65 or raw[0] != 4:
            raise _bad_key("embedded public key is not an uncompressed point")
        point = raw[1:]
    return Sm2PrivateKey(scalar, point)


def _from_pkcs8(der: bytes) -> Sm2PrivateKey:
    info = keys.PrivateKeyInfo.load(der, strict=True)
    alg = info["private_key_algorithm"]
    alg_oid = alg["algorithm"].dotted
    curve = _named_curve(alg["parameters"]) if alg_oid == "1.2.840.10045.2.1" else alg_oid
    if curve not in _CURVE_NAMES:
        raise Sm2Error(
            "GZ-SM2-003",
            f"不是 SM2 私钥 (算法 {alg_oid}, 曲线 {curve or '无'})",
            message_en=f"not an SM2 private key (algorithm {alg_oid}, curve {curve})",
        )
    ec_key = keys.ECPrivateKey.load(bytes(info["private_key"].contents), strict=True)
    return _from_ec_private_key(ec_key, curve)


def load_sm2_private_key(data: bytes, *, password: bytes | None = None) -> Sm2PrivateKey:
    """Load an SM2 private key from PEM or DER.

    Accepts PKCS#8 (``PRIVATE KEY``), encrypted PKCS#8 (``ENCRYPTED PRIVATE KEY``; PBES2,
    PBKDF2-HMAC-SHA*, AES-CBC or SM4-CBC) and SEC1 (``EC PRIVATE KEY``, unencrypted) — what
    ``openssl genpkey -algorithm SM2`` and ``openssl pkcs8 -topk8`` write.

    Raises:
        Sm2Error: ``GZ-SM2-002`` (unreadable, wrong/missing password),
            ``GZ-SM2-003`` (not an SM2 key).
    """
    kind = "DER"
    der = data
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            kind, headers, der = pem.unarmor(data.strip())
        except ValueError as exc:
            raise _bad_key(str(exc)) from exc
        if headers.get("Proc-Type", "").startswith("4,ENCRYPTED"):
            raise _bad_key("legacy PEM encryption; convert with `openssl pkcs8 -topk8`")
    try:
        if kind == "ENCRYPTED PRIVATE KEY" or (kind == "DER" and _is_encrypted(der)):
            if password is None:
                raise Sm2Error(
                    "GZ-SM2-002",
                    "SM2 私钥已加密, 请提供密码",
                    message_en="the SM2 private key is encrypted; a password is required",
                )
            enc = keys.EncryptedPrivateKeyInfo.load(der, strict=True)
            return _from_pkcs8(_decrypt_pkcs8(enc, password))
        if password is not None:
            raise Sm2Error(
                "GZ-SM2-002",
                "SM2 私钥未加密, 不应提供密码",
                message_en="the SM2 private key is not encrypted; do not pass a password",
            )
        if kind in ("EC PRIVATE KEY", "SM2 PRIVATE KEY"):  # SEC1; `openssl ec` writes SM2
            return _from_ec_private_key(keys.ECPrivateKey.load(der, strict=True), None)
        if kind in ("PRIVATE KEY", "DER"):
            try:
                return _from_pkcs8(der)
            except (ValueError, TypeError):
                if kind == "PRIVATE KEY":
                    raise
                return _from_ec_private_key(keys.ECPrivateKey.load(der, strict=True), None)
        raise _bad_key(f"unexpected PEM type {kind}")
    except Sm2Error:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise _bad_key(str(exc)) from exc


def _is_encrypted(der: bytes) -> bool:
    try:
        enc = keys.EncryptedPrivateKeyInfo.load(der, strict=True)
        return bool(enc["encryption_algorithm"]["algorithm"].native == "pbes2")
    except (ValueError, TypeError, KeyError):
        return False


def check_signer_id(signer_id: str) -> str:
    """Validate a signer ID (printable ASCII, 1–1024 chars, as the bundle allows).

    Raises:
        Sm2Error: ``GZ-SM2-005``.
    """
    if not (1 <= len(signer_id) <= 1024) or not all("!" <= ch <= "~" for ch in signer_id):
        raise Sm2Error(
            "GZ-SM2-005",
            "SM2 签名者标识须为 1–1024 个可打印 ASCII 字符 (默认 1234567812345678)",
            message_en="the SM2 signer ID must be 1-1024 printable ASCII characters",
        )
    return signer_id


class Sm2Signer(BaseSigner[Sm2PrivateKey, Sm2PublicKey]):
    """SM2-with-SM3 signer (GB/T 32918, DER signatures) with an optional X.509 chain.

    A :class:`gaozhi_sdk.esign.BaseSigner`; ``sm2_signer_id`` goes into the bundle's
    ``sm2SignerId`` so verifiers compute the same Z.
    """

    algorithm = SignatureAlgorithm.SM2_SM3

    def __init__(
        self,
        private_key: Sm2PrivateKey,
        chain: Sequence[x509.Certificate] = (),
        *,
        signer_id: str = DEFAULT_SIGNER_ID,
        backend: Sm2Backend | None = None,
    ) -> None:
        """Wrap an SM2 private key.

        Args:
            private_key: the key.
            chain: certificates, leaf first; the leaf must hold this key's public key.
            signer_id: the ID in Z (default ``1234567812345678``, GB/T 35276).
            backend: the SM2 implementation (default: gmssl-pyx).

        Raises:
            Sm2Error: ``GZ-SM2-001`` (no signing backend), ``GZ-SM2-004`` (chain),
                ``GZ-SM2-005`` (signer ID).
        """
        from gaozhi_plugin_sm2.curve import user_hash_z

        self._backend = backend or default_backend()
        if not self._backend.can_sign:
            raise signing_unavailable()
        self._signer_id = check_signer_id(signer_id)
        self._z = user_hash_z(private_key.public_key.point, self._signer_id)
        # with a chain, the key is named by the exact SPKI bytes its certificate carries
        spki = certificate_spki(chain[0]) if chain else None
        super().__init__(private_key, private_key.public_key, chain, spki=spki)
        sign_digest = getattr(self._backend, "sign_digest", None)
        self._sign_digest = sign_digest if callable(sign_digest) else None

    def check_chain(self, chain: tuple[x509.Certificate, ...]) -> tuple[x509.Certificate, ...]:
        """Return ``chain`` if its leaf certificate holds this SM2 public key (the curve
        point is compared: ``cryptography`` cannot load SM2 keys).

        Raises:
            Sm2Error: ``GZ-SM2-004`` naming the certificate.
        """
        if not chain:
            return chain
        try:
            leaf_point = point_from_spki(certificate_spki(chain[0]))
        except ValueError:
            leaf_point = None
        if leaf_point != self.public_key.point:
            fp = chain[0].fingerprint(hashes.SHA256()).hex()
            raise Sm2Error(
                "GZ-SM2-004",
                "证书链首张证书 (签名证书) 的公钥与 SM2 签名私钥不匹配: "
                f"证书 SHA-256 {fp}; 请确认证书链以该私钥的证书开头",
                message_en=f"the leaf certificate (SHA-256 {fp}) does not hold this SM2 key",
                details={"certificate_sha256": fp},
            )
        return chain

    @property
    def sm2_signer_id(self) -> str:
        """The signer ID used in Z (recorded in the bundle)."""
        return self._signer_id

    def sign(self, data: bytes) -> bytes:
        """SM2 signature over ``data`` (the PAE): DER ``SEQUENCE{r, s}`` of SM3(Z ‖ data)."""
        if self._sign_digest is not None:
            from gaozhi_plugin_sm2.curve import digest_e

            return bytes(self._sign_digest(self.private_key.scalar, digest_e(self._z, data)))
        return self._backend.sign(
            self.private_key.scalar, self.public_key.point, data, self._signer_id
        )


def load_sm2_signer(
    key_pem_or_der: bytes,
    *,
    password: bytes | None = None,
    chain: Sequence[bytes] = (),
    signer_id: str = DEFAULT_SIGNER_ID,
) -> Sm2Signer:
    """Load an SM2 signer from a private key file's bytes and optional certificates.

    Raises:
        Sm2Error: ``GZ-SM2-00x`` as in :func:`load_sm2_private_key` and :class:`Sm2Signer`.
        SignatureError: ``GZ-SG-003`` if a certificate is unreadable.
    """
    from gaozhi_sdk.esign import load_certificates

    key = load_sm2_private_key(key_pem_or_der, password=password)
    return Sm2Signer(key, load_certificates(chain), signer_id=signer_id)
