"""validate()/verify(): every tamper is caught, trust only from the verifier (DESIGN §4, §9)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    POLICY_ID,
    Bundle,
    CheckStatus,
    DsseEnvelope,
    DsseSignature,
    EcdsaP256Signer,
    Ed25519Signer,
    Indication,
    SubIndication,
    TrustStore,
    UnsafeAnySigner,
    ValidationTimeSource,
    VerificationMaterial,
    VerificationReport,
    media_type,
    pae,
    payload_model,
    sign,
    sign_many,
    validate,
    verify,
)
from gaozhi_sdk.esign import keyid as esign_keyid
from gaozhi_sdk.esign.sign import signer_material
from gaozhi_sdk.models import Notice, Pledge, VerificationFinding
from gaozhi_sdk.testing import TestPKI

from .conftest import (
    ORGAN_NAME,
    ORGAN_USCC,
    PLEDGOR_LABEL,
    RESIDENT_ID,
    make_finding,
    make_notice,
    pinned_pledgor_policy,
    pledgor_name,
    pledgor_signer,
)

PLEDGE_TYPE = media_type("pledge")


@pytest.fixture
def seal(pki: TestPKI) -> EcdsaP256Signer:
    return pki.organ_seal(ORGAN_NAME, ORGAN_USCC)


@pytest.fixture
def pledgor(pki: TestPKI) -> EcdsaP256Signer:
    return pledgor_signer(pki)


@pytest.fixture
def good(pledgor: EcdsaP256Signer, pledge: Pledge) -> bytes:
    return sign(pledge, pledgor).to_json()


def _mutate(data: bytes, fn: Callable[[dict[str, Any]], None]) -> bytes:
    obj = json.loads(data)
    fn(obj)
    return json.dumps(obj).encode()


def _sub(report: VerificationReport) -> SubIndication | None:
    return report.sub_indication


def _check(report: VerificationReport, name: str) -> Any:
    for c in report.checks + [c for s in report.signatures for c in s.checks]:
        if c.name == name:
            return c
    raise AssertionError(f"no check {name}")


# -- the good path -----------------------------------------------------------------------


def test_round_trip_passes_and_report_is_complete(
    good: bytes, trust: TrustStore, pki: TestPKI
) -> None:
    report = validate(good, trust)
    assert report.indication is Indication.TOTAL_PASSED and report.sub_indication is None
    assert report.report_version == "1"
    assert report.policy_id == POLICY_ID
    assert report.payload_type == PLEDGE_TYPE
    payload = Bundle.from_json(good).payload
    assert report.payload_digest["sha256"] == hashlib.sha256(payload).hexdigest()
    assert report.trust_store_digest == trust.digest()
    assert report.validation_time_source is ValidationTimeSource.SYSTEM_CLOCK
    assert {"gaozhi-sdk", "cryptography", "python"} <= set(report.tool)
    sig = report.signatures[0]
    assert sig.algorithm == "ECDSA_P256_SHA256"
    assert sig.signer is not None and PLEDGOR_LABEL in sig.signer
    assert RESIDENT_ID not in report.model_dump_json()  # the identity is masked
    policy_check = next(c for c in sig.checks if c.name == "signer_policy")
    assert policy_check.status is CheckStatus.PASSED
    assert "110105********002X" in (policy_check.message or "")
    assert sig.chain[-1] == pki.root_certificate.fingerprint(hashes.SHA256()).hex()
    again = VerificationReport.model_validate_json(report.model_dump_json())
    assert again == report
    assert "验证通过" in report.summary_zh() and "passed" in report.summary_en()


def test_verify_returns_the_model(good: bytes, trust: TrustStore, pledge: Pledge) -> None:
    payload, report = verify(good, trust)
    assert payload == pledge and isinstance(payload, Pledge)
    assert report.passed
    assert payload_model(good) == pledge


@pytest.mark.parametrize("make", [make_finding, make_notice])
def test_known_payload_types_parse_into_their_model(
    make: Callable[[], Notice | VerificationFinding], seal: EcdsaP256Signer, trust: TrustStore
) -> None:
    doc = make()
    bundle = sign(doc, seal)
    payload, _ = verify(bundle.to_json(), trust)
    assert type(payload) is type(doc) and payload == doc


def test_validation_time_at_is_echoed(good: bytes, trust: TrustStore) -> None:
    at = datetime.now(UTC) + timedelta(days=1)
    report = validate(good, trust, at=at)
    assert report.validation_time == at
    assert report.validation_time_source is ValidationTimeSource.CALLER
    assert "调用方指定" in report.summary_zh()


def test_naive_validation_time_is_a_usage_error(good: bytes, trust: TrustStore) -> None:
    with pytest.raises(SignatureError) as ei:
        validate(good, trust, at=datetime(2026, 1, 1))
    assert ei.value.code == "GZ-SG-030"


# -- tampering: never TOTAL_PASSED -------------------------------------------------------


def _payload_byte(obj: dict[str, Any]) -> None:
    raw = base64.b64decode(obj["dsseEnvelope"]["payload"])
    raw = raw.replace(b"CASE-2026-0001", b"CASE-2026-0002")
    obj["dsseEnvelope"]["payload"] = base64.b64encode(raw).decode()


def _sig_byte(obj: dict[str, Any]) -> None:
    raw = bytearray(base64.b64decode(obj["dsseEnvelope"]["signatures"][0]["sig"]))
    raw[-1] ^= 0x01
    obj["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(raw)).decode()


def _payload_type_unknown(obj: dict[str, Any]) -> None:
    obj["dsseEnvelope"]["payloadType"] = "application/octet-stream"


def _payload_type_other_model(obj: dict[str, Any]) -> None:
    obj["dsseEnvelope"]["payloadType"] = media_type("notice")


def _keyid_in_signature(obj: dict[str, Any]) -> None:
    obj["dsseEnvelope"]["signatures"][0]["keyid"] = "0" * 64


def _keyid_everywhere(obj: dict[str, Any]) -> None:
    obj["dsseEnvelope"]["signatures"][0]["keyid"] = "0" * 64
    obj["verificationMaterial"]["signers"][0]["keyid"] = "0" * 64


@pytest.mark.parametrize(
    ("tamper", "indication", "sub"),
    [
        (_payload_byte, Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE),
        (_sig_byte, Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE),
        (_payload_type_unknown, Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE),
        (_payload_type_other_model, Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE),
        (_keyid_in_signature, Indication.INDETERMINATE, SubIndication.NO_SIGNING_CERTIFICATE_FOUND),
        (_keyid_everywhere, Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE),
    ],
    ids=["payload-byte", "sig-byte", "payload-type", "payload-type-model", "keyid", "keyid-both"],
)
def test_tampering_is_detected(
    good: bytes,
    trust: TrustStore,
    tamper: Callable[[dict[str, Any]], None],
    indication: Indication,
    sub: SubIndication,
) -> None:
    report = validate(_mutate(good, tamper), trust)
    assert report.indication is indication
    assert report.sub_indication is sub
    problems = report.problems()
    assert problems and all(p.message and p.message_en for p in problems)
    with pytest.raises(SignatureError) as ei:
        verify(_mutate(good, tamper), trust)
    assert ei.value.code == "GZ-SG-010" and ei.value.report.indication is indication


def test_swapped_certificate_is_detected(good: bytes, pki: TestPKI, trust: TrustStore) -> None:
    other = pki.applicant("王* 110105********0033")
    other_der = base64.b64encode(
        other.certificate_chain[0].public_bytes(serialization.Encoding.DER)
    ).decode()

    def swap(obj: dict[str, Any]) -> None:
        obj["verificationMaterial"]["signers"][0]["x509CertificateChain"] = [other_der]

    report = validate(_mutate(good, swap), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert _check(report, "key_id").status is CheckStatus.FAILED

    def swap_and_fix_keyid(obj: dict[str, Any]) -> None:
        swap(obj)
        obj["verificationMaterial"]["signers"][0]["keyid"] = other.keyid
        obj["dsseEnvelope"]["signatures"][0]["keyid"] = other.keyid

    report = validate(_mutate(good, swap_and_fix_keyid), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIG_CRYPTO_FAILURE


def test_chain_from_another_root_has_no_chain(pledge: Pledge, trust: TrustStore) -> None:
    foreign = pledgor_signer(TestPKI.create(name="伪造的根 CA"))
    report = validate(sign(pledge, foreign), trust)
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    check = _check(report, "certificate_chain")
    assert foreign.certificate_chain[0].fingerprint(hashes.SHA256()).hex() in check.message
    assert check.remedy


def test_empty_trust_store_never_passes(good: bytes) -> None:
    report = validate(good, TrustStore())
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: _mutate(d, lambda o: o.__setitem__("extra", 1)),
        lambda d: _mutate(
            d, lambda o: o["dsseEnvelope"]["signatures"][0].__setitem__("alg", "none")
        ),
        lambda d: d.replace(b'"mediaType":', b'"mediaType":"x","mediaType":', 1),
        lambda d: _mutate(
            d, lambda o: o.__setitem__("mediaType", "application/vnd.gaozhi.bundle+json;version=2")
        ),
        lambda d: d[: len(d) // 2],
        lambda d: b"",
        lambda d: "日本語".encode("utf-16"),
    ],
    ids=[
        "unknown-top",
        "unknown-sig",
        "duplicate-key",
        "future-version",
        "truncated",
        "empty",
        "utf16",
    ],
)
def test_malformed_bundles_are_format_failures(
    good: bytes, trust: TrustStore, mutation: Callable[[bytes], bytes]
) -> None:
    report = validate(mutation(good), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert report.checks[0].message and report.checks[0].message.startswith("[GZ-SG-1")
    assert "验证失败" in report.summary_zh()


def test_sm2_signer_id_on_p256_is_rejected(good: bytes, trust: TrustStore) -> None:
    def add(obj: dict[str, Any]) -> None:
        obj["verificationMaterial"]["signers"][0]["sm2SignerId"] = "1234567812345678"

    report = validate(_mutate(good, add), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


def test_payload_not_matching_its_model_is_format_failure(
    seal: EcdsaP256Signer, trust: TrustStore, notice: Notice
) -> None:
    # A correctly signed bundle whose pledge-typed payload is actually a notice.
    from gaozhi_sdk.canonical import model_bytes

    body = model_bytes(notice)
    bundle = Bundle(
        dsse_envelope=DsseEnvelope(
            payload_type=PLEDGE_TYPE,
            payload=body,
            signatures=(DsseSignature(keyid=seal.keyid, sig=seal.sign(pae(PLEDGE_TYPE, body))),),
        ),
        verification_material=VerificationMaterial(signers=(signer_material(seal),)),
    )
    report = validate(bundle.to_json(), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert _check(report, "payload_model").status is CheckStatus.FAILED
    assert _check(report, "signature_crypto").status is CheckStatus.PASSED


# -- pinned keys ---------------------------------------------------------------------------


def test_ed25519_passes_only_when_pinned(pledge: Pledge, trust: TrustStore) -> None:
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.generate())
    data = sign(pledge, signer).to_json()
    assert json.loads(data)["verificationMaterial"]["signers"][0]["publicKey"]
    report = validate(data, trust, policy=pinned_pledgor_policy(signer.keyid))
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert _check(report, "pinned_key").remedy
    pinned = TrustStore(trust.roots, pins=[signer.public_key])
    # A pinned key has no certificate: whose key it is comes from the verifier's policy.
    no_identity = validate(data, pinned)
    assert no_identity.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    policy = pinned_pledgor_policy(signer.keyid)
    report = validate(data, pinned, policy=policy)
    assert report.passed and report.signatures[0].algorithm == "ED25519"
    other = TrustStore(pins=[ed25519.Ed25519PrivateKey.generate().public_key()])
    assert not validate(data, other, policy=policy).passed


def test_pinned_p256_key(pledge: Pledge) -> None:
    signer = EcdsaP256Signer(ec.generate_private_key(ec.SECP256R1()))
    data = sign(pledge, signer).to_json()
    policy = pinned_pledgor_policy(signer.keyid)
    assert not validate(data, TrustStore(), policy=policy).passed
    assert validate(data, TrustStore(pins=[signer.public_key]), policy=policy).passed


def test_ed25519_key_in_a_certificate_is_refused(pki: TestPKI, pledge: Pledge) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    cert = pki.issue_certificate(
        key.public_key(), x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed")])
    )

    class CertEd25519:
        keyid = Ed25519Signer(key).keyid
        public_key = key.public_key()
        certificate_chain = (cert,)

        def sign(self, data: bytes) -> bytes:
            return key.sign(data)

    report = validate(sign(pledge, CertEd25519()), pki.trust_store())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE


def test_p384_signing_key_is_a_crypto_constraints_failure(pki: TestPKI, pledge: Pledge) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    cert = pki.issue_certificate(
        key.public_key(), x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p384")])
    )

    class P384:
        keyid = esign_keyid(key.public_key())
        public_key = key.public_key()
        certificate_chain = (cert,)

        def sign(self, data: bytes) -> bytes:
            return key.sign(data, ec.ECDSA(hashes.SHA384()))

    report = validate(sign(pledge, P384()), pki.trust_store())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    assert "secp384r1" in (_check(report, "key_allowed").message or "")


# -- certificate validity and usage --------------------------------------------------------


def test_expired_certificate_is_out_of_bounds_no_poe(pledge: Pledge) -> None:
    pki = TestPKI.create(not_before=datetime(2020, 1, 1, tzinfo=UTC))
    trust = pki.trust_store()
    nb = datetime(2021, 1, 1, tzinfo=UTC)
    na = datetime(2022, 1, 1, tzinfo=UTC)
    old = pledgor_signer(pki, not_before=nb, not_after=na)
    data = sign(pledge, old).to_json()
    report = validate(data, trust)  # now: after notAfter
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    check = _check(report, "certificate_chain")
    assert check.found == report.validation_time.isoformat()
    assert "2022-01-01" in (check.expected or "")
    # Validated at a time inside the certificate's validity (the --at use), it passes.
    inside = validate(data, trust, at=datetime(2021, 6, 1, tzinfo=UTC))
    assert inside.passed and inside.validation_time == datetime(2021, 6, 1, tzinfo=UTC)


def test_at_inside_validity_passes_and_cache_respects_the_window(
    pki: TestPKI, pledge: Pledge, trust: TrustStore
) -> None:
    now = datetime.now(UTC)
    seal = pledgor_signer(
        pki, not_before=now - timedelta(days=1), not_after=now + timedelta(days=10)
    )
    data = sign(pledge, seal).to_json()
    assert validate(data, trust, at=now).passed  # fills the cache
    late = validate(data, trust, at=now + timedelta(days=11))
    assert late.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    early = validate(data, trust, at=now - timedelta(days=2))
    assert early.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert validate(data, trust, at=now + timedelta(days=5)).passed


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"extended_key_usage": (ExtendedKeyUsageOID.SERVER_AUTH,)}, "documentSigning"),
        ({"digital_signature": False, "non_repudiation": False}, "digitalSignature"),
    ],
    ids=["tls-only-eku", "no-signing-ku"],
)
def test_certificate_usage_is_enforced(
    pki: TestPKI, pledge: Pledge, kwargs: dict[str, Any], fragment: str
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_certificate(key.public_key(), pledgor_name("tls"), **kwargs)
    report = validate(sign(pledge, EcdsaP256Signer(key, [cert])), pki.trust_store())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.CHAIN_CONSTRAINTS_FAILURE
    assert fragment in (_check(report, "certificate_chain").message or "")


def test_certificate_without_eku_is_accepted(pki: TestPKI, pledge: Pledge) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_certificate(
        key.public_key(),
        pledgor_name("no-eku"),
        extended_key_usage=None,
    )
    assert validate(sign(pledge, EcdsaP256Signer(key, [cert])), pki.trust_store()).passed


def test_r091_full_resident_id_in_a_certificate_is_masked_in_reports(
    pki: TestPKI, pledge: Pledge
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_certificate(
        key.public_key(),
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "张三"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, RESIDENT_ID),
            ]
        ),
    )
    report = validate(sign(pledge, EcdsaP256Signer(key, [cert])), pki.trust_store())
    assert report.passed
    assert RESIDENT_ID not in report.model_dump_json()
    assert RESIDENT_ID not in report.summary_zh()
    assert report.signatures[0].signer is not None and "********" in report.signatures[0].signer


# -- several signers, extra material ------------------------------------------------------


def test_several_signers_all_must_pass(pki: TestPKI, pledge: Pledge, trust: TrustStore) -> None:
    first = pledgor_signer(pki)
    second = pki.applicant(PLEDGOR_LABEL, RESIDENT_ID, encoding="gmt0015")  # 2nd certificate
    data = sign_many(pledge, [first, second]).to_json()
    report = validate(data, trust)
    assert report.passed and len(report.signatures) == 2
    # Every signature is held to the signer policy: the organ's seal next to the pledgor's
    # signature makes the pledge fail.
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    mixed = validate(sign_many(pledge, [first, seal]), trust)
    assert mixed.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    assert [s.indication for s in mixed.signatures] == [
        Indication.TOTAL_PASSED,
        Indication.TOTAL_FAILED,
    ]
    broken = _mutate(data, _sig_byte)  # breaks the first signature only
    report = validate(broken, trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert [s.indication for s in report.signatures] == [
        Indication.TOTAL_FAILED,
        Indication.TOTAL_PASSED,
    ]

    def drop_second(obj: dict[str, Any]) -> None:
        del obj["dsseEnvelope"]["signatures"][1]

    report = validate(_mutate(data, drop_second), trust)
    assert report.passed and report.warnings  # dangling signer material is reported


def test_sign_many_refuses_empty_or_repeated(pki: TestPKI, pledge: Pledge) -> None:
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    for signers in ([], [seal, seal]):
        with pytest.raises(SignatureError) as ei:
            sign_many(pledge, signers)
        assert ei.value.code == "GZ-SG-004"


def test_malformed_timestamp_and_crl_are_format_failures(good: bytes, trust: TrustStore) -> None:
    """Timestamps and revocation data carried in a bundle are evaluated (issue 3): garbage
    in either is a FORMAT_FAILURE and the bundle never passes."""

    def add(obj: dict[str, Any]) -> None:
        obj["verificationMaterial"]["signers"][0]["timestamps"] = ["MAA="]
        obj["verificationMaterial"]["revocation"] = {"crls": ["MAA="]}

    report = validate(_mutate(good, add), trust)
    assert not report.passed
    assert report.indication is Indication.TOTAL_FAILED
    assert _check(report, "timestamp").status is CheckStatus.FAILED
    failed = {
        c.sub_indication
        for s in report.signatures
        for c in s.checks
        if c.status is CheckStatus.FAILED
    }
    assert SubIndication.FORMAT_FAILURE in failed


# -- raw bytes and unknown payload types ---------------------------------------------------


def test_unknown_payload_type_returns_bytes(seal: EcdsaP256Signer, trust: TrustStore) -> None:
    data = sign(b"\x00\x01binary", seal, payload_type="application/octet-stream").to_json()
    # The strict policy has no rule for a foreign type: nobody may sign it ...
    refused = validate(data, trust)
    assert refused.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    assert "application/octet-stream" in (_check(refused, "signer_policy").message or "")
    # ... unless the verifier says explicitly that any trusted signer will do.
    policy = DEFAULT_POLICY.with_rules({"application/octet-stream": UnsafeAnySigner()})
    payload, report = verify(data, trust, policy=policy)
    assert payload == b"\x00\x01binary"
    assert _check(report, "payload_model").status is CheckStatus.SKIPPED
    assert payload_model(data) is None


def test_unregistered_gaozhi_type_warns(seal: EcdsaP256Signer, trust: TrustStore) -> None:
    data = sign(b"{}", seal, payload_type=media_type("future-thing", 3)).to_json()
    assert validate(data, trust).sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    policy = DEFAULT_POLICY.with_rules({media_type("future-thing", 3): UnsafeAnySigner()})
    report = validate(data, trust, policy=policy)
    assert report.passed and any("future-thing" in w for w in report.warnings)


def test_sign_argument_errors(seal: EcdsaP256Signer, notice: Notice) -> None:
    with pytest.raises(SignatureError) as no_type:
        sign(b"{}", seal)
    assert no_type.value.code == "GZ-SG-004"
    with pytest.raises(SignatureError) as bad_bytes:
        sign(b'{"not": "a pledge"}', seal, payload_type=PLEDGE_TYPE)
    assert bad_bytes.value.code == "GZ-SG-004"
    with pytest.raises(SignatureError) as wrong_model:
        sign(notice, seal, payload_type=PLEDGE_TYPE)
    assert wrong_model.value.code == "GZ-SG-004"
    with pytest.raises(SignatureError) as bad_type:
        sign(b"x", seal, payload_type="has space/x")
    assert bad_type.value.code == "GZ-SG-004"


def test_unregistered_model_needs_a_payload_type(seal: EcdsaP256Signer) -> None:
    from gaozhi_sdk.models import Evidence

    with pytest.raises(SignatureError) as ei:
        sign(Evidence(kind="k", ref="r"), seal)
    assert ei.value.code == "GZ-SG-005"
