"""Keys, keyids, signer loading and the key-type → verifier registry (DESIGN §4)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    EcdsaP256Signer,
    Ed25519Signer,
    KeyRejected,
    SignatureAlgorithm,
    Signer,
    key_verifier_for,
    keyid,
    load_signer,
    register_key_verifier,
    unregister_key_verifier,
    verify_signature,
)
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_NAME, ORGAN_USCC

_PKCS8 = serialization.PrivateFormat.PKCS8
_PEM = serialization.Encoding.PEM
_DER = serialization.Encoding.DER


def _spki(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(_DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_keyid_is_sha256_of_spki_der() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert keyid(key) == hashlib.sha256(_spki(key)).hexdigest()
    assert len(keyid(key)) == 64 and keyid(key) == keyid(key).lower()


def test_signers_satisfy_the_protocol(pki: TestPKI) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    ed = Ed25519Signer(ed25519.Ed25519PrivateKey.generate())
    assert isinstance(seal, Signer) and isinstance(ed, Signer)
    assert seal.keyid == keyid(seal.public_key)
    assert ed.certificate_chain == ()


@pytest.mark.parametrize(
    "encode",
    [
        lambda k: k.private_bytes(_PEM, _PKCS8, serialization.NoEncryption()),
        lambda k: k.private_bytes(_DER, _PKCS8, serialization.NoEncryption()),
        lambda k: k.private_bytes(
            _PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ),
        lambda k: k.private_bytes(
            _DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ),
    ],
    ids=["pkcs8-pem", "pkcs8-der", "ec-pem", "ec-der"],
)
def test_load_signer_p256_formats(encode: object) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signer = load_signer(encode(key))  # type: ignore[operator]
    assert isinstance(signer, EcdsaP256Signer)
    assert signer.keyid == keyid(key.public_key())
    sig = signer.sign(b"data")
    key.public_key().verify(sig, b"data", ec.ECDSA(hashes.SHA256()))


def test_load_signer_encrypted_pkcs8_needs_the_right_password() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(_PEM, _PKCS8, serialization.BestAvailableEncryption(b"s3cret"))
    assert load_signer(pem, password=b"s3cret").keyid == keyid(key.public_key())
    with pytest.raises(SignatureError) as missing:
        load_signer(pem)
    assert missing.value.code == "GZ-SG-002" and "密码" in missing.value.message
    with pytest.raises(SignatureError) as wrong:
        load_signer(pem, password=b"wrong")
    assert wrong.value.code == "GZ-SG-002"


def test_load_signer_ed25519_is_pinned_only(pki: TestPKI) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(_PEM, _PKCS8, serialization.NoEncryption())
    assert isinstance(load_signer(pem), Ed25519Signer)
    leaf = pki.organ_seal(ORGAN_NAME, ORGAN_USCC).certificate_chain[0]
    with pytest.raises(SignatureError) as ei:
        load_signer(pem, chain=[leaf.public_bytes(_PEM)])
    assert ei.value.code == "GZ-SG-003"


@pytest.mark.parametrize(
    "key",
    [
        ec.generate_private_key(ec.SECP384R1()),
        ec.generate_private_key(ec.SECP256K1()),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ],
    ids=["p384", "secp256k1", "rsa-verify-only"],
)
def test_load_signer_refuses_keys_not_allowed_for_signing(key: object) -> None:
    pem = key.private_bytes(_PEM, _PKCS8, serialization.NoEncryption())  # type: ignore[attr-defined]
    with pytest.raises(SignatureError) as ei:
        load_signer(pem)
    assert ei.value.code == "GZ-SG-001"
    assert "不支持" in ei.value.message


def test_load_signer_rejects_garbage() -> None:
    with pytest.raises(SignatureError) as ei:
        load_signer(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert ei.value.code == "GZ-SG-002"


def test_load_signer_checks_the_leaf_matches_the_key(pki: TestPKI) -> None:
    other_leaf = pki.organ_seal(ORGAN_NAME, ORGAN_USCC).certificate_chain[0]
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(_PEM, _PKCS8, serialization.NoEncryption())
    with pytest.raises(SignatureError) as ei:
        load_signer(pem, chain=[other_leaf.public_bytes(_DER)])
    assert ei.value.code == "GZ-SG-003"
    assert "不匹配" in ei.value.message
    assert other_leaf.fingerprint(hashes.SHA256()).hex() in ei.value.message


def test_load_signer_with_pem_and_der_chain(pki_inter: TestPKI) -> None:
    seal = pki_inter.organ_seal(ORGAN_NAME, ORGAN_USCC)
    pem = seal.private_key.private_bytes(_PEM, _PKCS8, serialization.NoEncryption())
    leaf, inter = seal.certificate_chain
    loaded = load_signer(pem, chain=[leaf.public_bytes(_DER), inter.public_bytes(_PEM)])
    assert loaded.certificate_chain == (leaf, inter)
    with pytest.raises(SignatureError) as ei:
        load_signer(pem, chain=[b"not a certificate"])
    assert ei.value.code == "GZ-SG-003"


# -- verifiers: algorithm from the trusted key only ------------------------------------


def test_p256_verifier() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sig = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert verify_signature(_spki(key.public_key()), sig, b"m") == "ECDSA_P256_SHA256"
    with pytest.raises(SignatureError) as ei:
        verify_signature(_spki(key.public_key()), sig, b"M")
    assert ei.value.code == "GZ-SG-012"


def test_p256_key_refuses_sha384_signatures() -> None:
    # The hash is fixed by the key (P-256 → SHA-256); a signature made with SHA-384 fails.
    key = ec.generate_private_key(ec.SECP256R1())
    sig = key.sign(b"m", ec.ECDSA(hashes.SHA384()))
    with pytest.raises(SignatureError):
        verify_signature(_spki(key.public_key()), sig, b"m")


def test_ed25519_verifier_raw_64_bytes_and_pinned_only() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    spki = _spki(key.public_key())
    assert verify_signature(spki, key.sign(b"m"), b"m") == "ED25519"
    v = key_verifier_for(spki)
    assert not isinstance(v, KeyRejected) and v.pinned_only


def test_rsa_2048_is_verify_only_pkcs1_and_pss() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    spki = _spki(key.public_key())
    s1 = key.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
    s2 = key.sign(
        b"m", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    assert verify_signature(spki, s1, b"m") == SignatureAlgorithm.RSA_PKCS1_SHA256
    assert verify_signature(spki, s2, b"m") == SignatureAlgorithm.RSA_PSS_SHA256
    sha1 = key.sign(b"m", padding.PKCS1v15(), hashes.SHA1())
    with pytest.raises(SignatureError):
        verify_signature(spki, sha1, b"m")


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        (ec.generate_private_key(ec.SECP384R1()).public_key(), "secp384r1"),
        (ec.generate_private_key(ec.SECP521R1()).public_key(), "secp521r1"),
        (rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key(), "1024"),
    ],
    ids=["p384", "p521", "rsa1024"],
)
def test_keys_outside_the_allow_list_are_crypto_constraints_failures(
    key: object, fragment: str
) -> None:
    spki = _spki(key)  # type: ignore[arg-type]
    v = key_verifier_for(spki)
    assert isinstance(v, KeyRejected)
    assert v.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE"
    assert fragment in v.reason_zh
    with pytest.raises(SignatureError) as ei:
        verify_signature(spki, b"\x30\x00", b"m")
    assert ei.value.code == "GZ-SG-011"


def test_sm2_signer_id_on_a_non_sm2_key_is_refused() -> None:
    spki = _spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    v = key_verifier_for(spki, "1234567812345678")
    assert isinstance(v, KeyRejected) and v.sub_indication == "FORMAT_FAILURE"


class _FakeVerifier:
    algorithm = "SM2_SM3"
    pinned_only = False

    def verify(self, signature: bytes, data: bytes) -> str | None:
        return self.algorithm if signature == b"ok" else None


@pytest.fixture
def fake_plugin() -> Iterator[bytes]:
    marker = b"\x30\x03\x02\x01\x07"  # not a SubjectPublicKeyInfo cryptography can load

    def factory(spki: bytes, signer_id: str | None) -> _FakeVerifier | None:
        return _FakeVerifier() if spki == marker else None

    register_key_verifier("fake-sm2", factory)
    yield marker
    unregister_key_verifier("fake-sm2")


def test_plugin_seam_adds_a_key_type_without_touching_the_core(fake_plugin: bytes) -> None:
    assert verify_signature(fake_plugin, b"ok", b"m") == "SM2_SM3"
    with pytest.raises(SignatureError):
        verify_signature(fake_plugin, b"bad", b"m")
    # The core still handles its own keys.
    key = ec.generate_private_key(ec.SECP256R1())
    sig = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert verify_signature(_spki(key.public_key()), sig, b"m") == "ECDSA_P256_SHA256"


def test_unknown_key_without_plugin_is_refused() -> None:
    v = key_verifier_for(b"\x30\x03\x02\x01\x07")
    assert isinstance(v, KeyRejected)
