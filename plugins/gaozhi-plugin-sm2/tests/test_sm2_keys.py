"""SM2 key loading: OpenSSL 3 keys, PKCS#8 (encrypted too), SEC1, DER; coded errors."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from gaozhi_plugin_sm2 import Sm2Error, load_sm2_private_key, load_sm2_signer
from gaozhi_plugin_sm2.keys import Sm2PrivateKey, certificate_spki, generate_private_key


def _openssl(tmp: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=tmp, check=True, capture_output=True)


@pytest.fixture(scope="module")
def ossl_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sm2keys")
    _openssl(d, "genpkey", "-algorithm", "SM2", "-out", "k.pem")
    _openssl(d, "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der")
    return d


def _spki(key: Sm2PrivateKey) -> bytes:
    return key.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_openssl_genpkey_sm2_pem_loads_and_spki_is_byte_identical(ossl_key: Path) -> None:
    key = load_sm2_private_key((ossl_key / "k.pem").read_bytes())
    assert _spki(key) == (ossl_key / "pub.der").read_bytes()


def test_openssl_der_pkcs8_loads(ossl_key: Path) -> None:
    _openssl(ossl_key, "pkey", "-in", "k.pem", "-outform", "DER", "-out", "k.der")
    key = load_sm2_private_key((ossl_key / "k.der").read_bytes())
    assert _spki(key) == (ossl_key / "pub.der").read_bytes()


@pytest.mark.parametrize("cipher", ["aes-256-cbc", "aes-128-cbc", "sm4-cbc"])
def test_encrypted_pkcs8_from_openssl_loads_with_password(ossl_key: Path, cipher: str) -> None:
    out = f"enc-{cipher}.pem"
    _openssl(
        ossl_key, "pkcs8", "-topk8", "-in", "k.pem", "-v2", cipher, "-passout", "pass:秘密",
        "-out", out,
    )  # fmt: skip
    data = (ossl_key / out).read_bytes()
    key = load_sm2_private_key(data, password="秘密".encode())
    assert _spki(key) == (ossl_key / "pub.der").read_bytes()
    with pytest.raises(Sm2Error) as wrong:
        load_sm2_private_key(data, password=b"wrong")
    assert wrong.value.code == "GZ-SM2-002"
    with pytest.raises(Sm2Error) as missing:
        load_sm2_private_key(data)
    assert missing.value.code == "GZ-SM2-002"
    assert "密码" in missing.value.message


def test_sec1_sm2_private_key_from_openssl_ec_loads(ossl_key: Path) -> None:
    _openssl(ossl_key, "ec", "-in", "k.pem", "-out", "sec1.pem")
    data = (ossl_key / "sec1.pem").read_bytes()
    assert b"PRIVATE KEY" in data
    assert _spki(load_sm2_private_key(data)) == (ossl_key / "pub.der").read_bytes()


def test_sdk_written_pkcs8_is_read_by_openssl(tmp_path: Path) -> None:
    key = generate_private_key()
    (tmp_path / "sdk.pem").write_bytes(key.to_pkcs8_pem())
    _openssl(tmp_path, "pkey", "-in", "sdk.pem", "-pubout", "-outform", "DER", "-out", "p.der")
    assert (tmp_path / "p.der").read_bytes() == _spki(key)


def test_p256_key_is_not_an_sm2_key() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(Sm2Error) as info:
        load_sm2_private_key(pem)
    assert info.value.code == "GZ-SM2-003"


@pytest.mark.parametrize("junk", [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_garbage_gives_coded_error(junk: bytes) -> None:
    with pytest.raises(Sm2Error) as info:
        load_sm2_private_key(junk)
    assert info.value.code == "GZ-SM2-002"


def test_private_key_not_matching_embedded_public_key_is_refused() -> None:
    a, b = generate_private_key(), generate_private_key()
    with pytest.raises(Sm2Error) as info:
        Sm2PrivateKey(a.scalar, b.public_key.point)
    assert info.value.code == "GZ-SM2-002"


def test_signer_refuses_a_certificate_of_another_key(tmp_path: Path) -> None:
    from gaozhi_plugin_sm2.testing import openssl_sm2_pki

    pki = openssl_sm2_pki(tmp_path)
    with pytest.raises(Sm2Error) as info:
        load_sm2_signer(pki.root_key.read_bytes(), chain=[pki.leaf_cert.read_bytes()])
    assert info.value.code == "GZ-SM2-004"
    signer = load_sm2_signer(pki.leaf_key.read_bytes(), chain=[pki.leaf_cert.read_bytes()])
    assert signer.sm2_signer_id == "1234567812345678"
    assert "PRIVATE" not in repr(signer.private_key)
    # the SM2 signer is a gaozhi_sdk.esign.BaseSigner (issue 11): keyid from the exact
    # SPKI bytes the leaf certificate carries, the chain as given
    from gaozhi_sdk.esign import BaseSigner, keyid_from_spki

    assert isinstance(signer, BaseSigner)
    assert signer.keyid == keyid_from_spki(signer.spki_der)
    assert signer.spki_der == certificate_spki(signer.certificate_chain[0])


@pytest.mark.parametrize("bad", ["", "含中文", "a b", "x" * 1025])
def test_invalid_signer_id_is_refused(bad: str) -> None:
    from gaozhi_plugin_sm2 import Sm2Signer

    with pytest.raises(Sm2Error) as info:
        Sm2Signer(generate_private_key(), signer_id=bad)
    assert info.value.code == "GZ-SM2-005"


def test_sdk_encrypted_export_is_read_by_openssl_and_sdk(tmp_path: Path) -> None:
    key = generate_private_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    (tmp_path / "enc.pem").write_bytes(pem)
    _openssl(
        tmp_path, "pkey", "-in", "enc.pem", "-passin", "pass:s3cret", "-pubout", "-outform",
        "DER", "-out", "p.der",
    )  # fmt: skip
    assert (tmp_path / "p.der").read_bytes() == _spki(key)
    assert load_sm2_private_key(pem, password=b"s3cret").scalar == key.scalar


def test_core_load_signer_loads_openssl_sm2_keys_through_the_plugin(ossl_key: Path) -> None:
    from gaozhi_plugin_sm2 import Sm2Signer

    from gaozhi_sdk.errors import SignatureError
    from gaozhi_sdk.esign import load_signer

    signer = load_signer((ossl_key / "k.pem").read_bytes())
    assert isinstance(signer, Sm2Signer)
    assert signer.keyid == hashlib.sha256((ossl_key / "pub.der").read_bytes()).hexdigest()
    _openssl(ossl_key, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp192k1",
             "-out", "k192.pem")  # fmt: skip
    with pytest.raises(SignatureError) as info:  # not SM2 either: the core's own error
        load_signer((ossl_key / "k192.pem").read_bytes())
    assert info.value.code == "GZ-SG-002"
