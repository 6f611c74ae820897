"""Attacks on certificate paths and signer material (issue 9, DESIGN §4).

An attacker holds an ordinary certificate under a trusted root, or a private key of a
CA certificate that is not an anchor, and tries to make ``esign.validate`` accept a
document it was not entitled to sign. Every attempt must fail with the named reason.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gaozhi_sdk import esign
from gaozhi_sdk.esign import (
    ID_KP_DOCUMENT_SIGNING,
    Bundle,
    EcdsaP256Signer,
    Indication,
    SubIndication,
    TrustStore,
)

from .conftest import ORGAN_NAME, ORGAN_USCC, make_finding

_NOW = datetime.now(UTC).replace(microsecond=0)


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if "ou" in extra:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, extra["ou"]))
    if "serial" in extra:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]))
    return x509.Name(attrs)


def _ku(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool,
    path_len: int | None = None,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (subject, key)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - timedelta(days=1))
        .not_valid_after(_NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(_ku(cert_sign=ca), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ID_KP_DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _seal_name() -> x509.Name:
    return _name(ORGAN_NAME, ou=ORGAN_USCC, serial=ORGAN_USCC)


class _CA:
    def __init__(self) -> None:
        self.key = _key()
        self.name = _name("攻击测试根 CA")
        self.cert = _cert(self.name, self.key, None, ca=True)
        self.trust = TrustStore([self.cert])


def _sign_record(key: ec.EllipticCurvePrivateKey, chain: list[x509.Certificate]) -> bytes:
    return esign.sign(make_finding(), EcdsaP256Signer(key, chain)).to_json()


def _chain_failure(data: bytes, trust: TrustStore) -> esign.VerificationReport:
    report = esign.validate(data, trust)
    assert report.indication is not Indication.TOTAL_PASSED
    assert any(
        c.name == "certificate_chain" and c.status.value != "PASSED"
        for s in report.signatures
        for c in s.checks
    ), report.summary_en()
    return report


def test_an_intermediate_ca_certificate_cannot_act_as_a_document_signer() -> None:
    """A CA:TRUE certificate (key usage even includes signing) used as the leaf."""
    root = _CA()
    ikey = _key()
    inter = _cert(_seal_name(), ikey, (root.name, root.key), ca=True, path_len=0)
    report = _chain_failure(_sign_record(ikey, [inter]), root.trust)
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE


def test_an_end_entity_certificate_cannot_issue_a_seal() -> None:
    """An applicant (CA:FALSE leaf under the trusted root) issues itself an organ seal."""
    root = _CA()
    akey = _key()
    applicant = _cert(_name("张* 申请人"), akey, (root.name, root.key), ca=False)
    fkey = _key()
    forged = _cert(_seal_name(), fkey, (applicant.subject, akey), ca=False)
    report = _chain_failure(_sign_record(fkey, [forged, applicant]), root.trust)
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_a_path_length_zero_ca_cannot_certify_another_ca() -> None:
    """A sub-CA with pathLen 0 certifies a further CA that issues the 'seal'."""
    root = _CA()
    k1, k2, kleaf = _key(), _key(), _key()
    ca1 = _cert(_name("中级 CA"), k1, (root.name, root.key), ca=True, path_len=0)
    ca2 = _cert(_name("攻击者 CA"), k2, (ca1.subject, k1), ca=True, path_len=0)
    leaf = _cert(_seal_name(), kleaf, (ca2.subject, k2), ca=False)
    report = _chain_failure(_sign_record(kleaf, [leaf, ca2, ca1]), root.trust)
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_a_public_key_beside_a_genuine_certificate_does_not_carry_the_signature() -> None:
    """Material = the organ's genuine certificate chain + the attacker's publicKey.

    The organ's certificate is public; if the verifier checked the signature with the
    bundle's ``publicKey`` but the chain and identity with the certificate, anyone could
    seal in the organ's name.
    """
    root = _CA()
    seal_key = _key()
    seal = _cert(_seal_name(), seal_key, (root.name, root.key), ca=False)
    genuine = Bundle.from_json(_sign_record(seal_key, [seal]))
    attacker = _key()
    # signed by the attacker's bare key: material carries its publicKey
    forged = esign.sign(make_finding(), EcdsaP256Signer(attacker, ()))
    raw = forged.model_dump(mode="json", by_alias=True, exclude_none=True)
    material = raw["verificationMaterial"]["signers"][0]
    assert "publicKey" in material
    seal_der = seal.public_bytes(serialization.Encoding.DER)
    material["x509CertificateChain"] = [base64.b64encode(seal_der).decode()]
    for keyid in (genuine.dsse_envelope.signatures[0].keyid, material["keyid"]):
        material["keyid"] = keyid
        raw["dsseEnvelope"]["signatures"][0]["keyid"] = keyid
        report = esign.validate(_dumps(raw), root.trust)
        assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
        assert report.sub_indication is SubIndication.FORMAT_FAILURE, report.summary_en()


def _dumps(raw: object) -> bytes:
    import json

    return json.dumps(raw).encode()


def test_a_signature_repeated_under_one_keyid_with_garbage_does_not_pass() -> None:
    """A good signature plus a second entry with the same keyid and garbage bytes."""
    root = _CA()
    seal_key = _key()
    seal = _cert(_seal_name(), seal_key, (root.name, root.key), ca=False)
    good = Bundle.from_json(_sign_record(seal_key, [seal]))
    raw = good.model_dump(mode="json", by_alias=True, exclude_none=True)
    sig = raw["dsseEnvelope"]["signatures"][0]
    raw["dsseEnvelope"]["signatures"].append(
        {"keyid": sig["keyid"], "sig": base64.b64encode(b"\x30\x00").decode()}
    )
    report = esign.validate(_dumps(raw), root.trust)
    assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert any(c.name == "bundle_format" and c.status.value == "FAILED" for c in report.checks)
