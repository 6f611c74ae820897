"""Attacks on time-stamps (issue 9): a token proves time only when a time-stamping anchor
vouches for its TSA, its signature is intact and it is bound to the TSA's certificate."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import (
    AnchorPurpose,
    CheckStatus,
    Indication,
    Revocation,
    SubIndication,
    TrustStore,
    sign,
    validate,
)
from gaozhi_sdk.esign.timestamps import TimestampInfo, TimestampProblem, verify_timestamp
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing.tsa import LocalTSA, build_token

from .conftest import pledgor_signer
from .test_rev_revocation import AFTER, CA, T_SIGNED


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CA:
    return CA(tmp_path_factory.mktemp("ts-attack-ca"))


def _with_tokens(bundle_json: bytes, *tokens: bytes, rev: Revocation | None = None) -> bytes:
    obj = json.loads(bundle_json)
    obj["verificationMaterial"]["signers"][0]["timestamps"] = [
        base64.b64encode(t).decode() for t in tokens
    ]
    if rev is not None:
        obj["verificationMaterial"]["revocation"] = {
            "crls": [base64.b64encode(c).decode() for c in rev.crls or ()]
        }
    return json.dumps(obj).encode()


def _ts_check(report: Any) -> Any:
    return next(c for c in report.signatures[0].checks if c.name == "timestamp")


def _self_made(embed_root: bool) -> LocalTSA:
    return LocalTSA.create(
        name="伪造时间戳服务",
        not_before=datetime(2019, 1, 1, tzinfo=UTC),
        clock=lambda: T_SIGNED,
        embed_root=embed_root,
    )


@pytest.mark.parametrize("embed_root", [False, True])
def test_self_made_tsa_cannot_rescue_an_expired_certificate(
    ca: CA, pledge: Pledge, embed_root: bool, tmp_path: Path
) -> None:
    seal = pledgor_signer(  # the pledgor's own, expired certificate
        ca.pki,
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
    )
    forged = sign(pledge, seal, tsa=_self_made(embed_root)).to_json()
    report = validate(forged, ca.trust())
    assert report.indication is Indication.INDETERMINATE
    assert _ts_check(report).sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    chain = next(c for c in report.signatures[0].checks if c.name == "certificate_chain")
    assert chain.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert report.signatures[0].best_signature_time is None
    # The attacker's TSA root trusted for document signing still does not vouch for a TSA.
    trust = ca.trust()
    trust.add_root(_self_made(embed_root).root_certificate)
    assert validate(forged, trust).indication is Indication.INDETERMINATE
    # And through the command line: exit 2 (INDETERMINATE).
    (tmp_path / "trust" / "tsa").mkdir(parents=True)
    (tmp_path / "trust" / "root.pem").write_bytes(ca.pki.root_pem())
    ca.tsa.write_trust(tmp_path / "trust" / "tsa")
    (tmp_path / "b.json").write_bytes(forged)
    assert main(["verify", str(tmp_path / "b.json"), "--trust", str(tmp_path / "trust")]) == 2


@pytest.mark.parametrize("embed_root", [False, True])
def test_self_made_tsa_cannot_back_date_before_a_revocation(
    ca: CA, pledge: Pledge, embed_root: bool
) -> None:
    rev = Revocation(crls=(ca.crl([(ca.leaf.serial_number, AFTER)]),))
    genuine = sign(pledge, ca.seal, tsa=ca.tsa)
    genuine_token = (genuine.verification_material.signers[0].timestamps or (b"",))[0]
    sig = genuine.dsse_envelope.signatures[0].sig
    # Control: the trusted TSA's token at T_SIGNED (before the revocation) keeps it valid.
    control = _with_tokens(genuine.to_json(), genuine_token, rev=rev)
    assert validate(control, ca.trust()).indication is Indication.TOTAL_PASSED
    # The attacker's own TSA says the same time: the revocation stands.
    forged_token = _self_made(embed_root).timestamp(hashes_sha256(sig))
    forged = _with_tokens(genuine.to_json(), forged_token, rev=rev)
    report = validate(forged, ca.trust())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.REVOKED
    assert _ts_check(report).status is CheckStatus.INDETERMINATE


def hashes_sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def test_token_whose_ess_cert_id_names_another_certificate_is_refused(
    ca: CA, pledge: Pledge
) -> None:
    bundle = sign(pledge, ca.seal)
    sig = bundle.dsse_envelope.signatures[0].sig
    token = build_token(
        signer_certificate=ca.tsa.certificate,
        sign=lambda d: ca.tsa._key.sign(d, ec.ECDSA(hashes.SHA256())),
        imprint=hashes_sha256(sig),
        gen_time=T_SIGNED,
        ess_certificate=ca.tsa.root_certificate,  # the binding names the root
    )
    result = verify_timestamp(token, sig, ca.trust())
    assert isinstance(result, TimestampProblem)
    assert result.sub_indication is SubIndication.NO_SIGNING_CERTIFICATE_FOUND
    assert "ESSCertID" in result.message
    report = validate(_with_tokens(bundle.to_json(), token), ca.trust())
    assert report.indication is Indication.INDETERMINATE
    assert report.signatures[0].best_signature_time is None


def test_token_reusing_a_real_tsa_certificate_with_forged_content_is_refused(
    ca: CA, pledge: Pledge
) -> None:
    bundle = sign(pledge, ca.seal)
    sig = bundle.dsse_envelope.signatures[0].sig
    attacker = ec.generate_private_key(ec.SECP256R1())
    token = build_token(
        signer_certificate=ca.tsa.certificate,  # the genuine, trusted TSA certificate
        sign=lambda d: attacker.sign(d, ec.ECDSA(hashes.SHA256())),
        imprint=hashes_sha256(sig),
        gen_time=datetime(2020, 2, 1, tzinfo=UTC),
    )
    result = verify_timestamp(token, sig, ca.trust())
    assert isinstance(result, TimestampProblem)
    assert result.sub_indication is SubIndication.SIG_CRYPTO_FAILURE
    report = validate(_with_tokens(bundle.to_json(), token), ca.trust())
    assert report.indication is Indication.TOTAL_FAILED


def test_token_certificates_are_never_anchors(ca: CA, pledge: Pledge) -> None:
    # The token embeds its own root; only the verifier's time-stamping anchors count.
    tsa = _self_made(embed_root=True)
    bundle = sign(pledge, ca.seal, tsa=tsa)
    sig = bundle.dsse_envelope.signatures[0].sig
    token = (bundle.verification_material.signers[0].timestamps or (b"",))[0]
    assert isinstance(verify_timestamp(token, sig, ca.trust()), TimestampProblem)
    anchored = TrustStore(tsa_roots=[tsa.root_certificate])
    assert isinstance(verify_timestamp(token, sig, anchored), TimestampInfo)


def _indefinite(der: bytes) -> bytes:
    """Re-encode the outer SEQUENCE of a DER blob with an indefinite length (BER)."""
    assert der[0] == 0x30 and der[1] & 0x80
    n = der[1] & 0x7F
    return b"\x30\x80" + der[2 + n :] + b"\x00\x00"


def test_ber_encoded_token_is_read_and_verified_exactly(ca: CA, pledge: Pledge) -> None:
    bundle = sign(pledge, ca.seal, tsa=ca.tsa)
    sig = bundle.dsse_envelope.signatures[0].sig
    token = (bundle.verification_material.signers[0].timestamps or (b"",))[0]
    ber = _indefinite(token)
    assert ber != token
    info = verify_timestamp(ber, sig, ca.trust())
    assert isinstance(info, TimestampInfo) and info.gen_time == T_SIGNED
    assert validate(_with_tokens(bundle.to_json(), ber), ca.trust()).indication is (
        Indication.TOTAL_PASSED
    )
    # Tolerant form, exact substance: a changed genTime in the BER token is still caught.
    tampered = bytearray(ber)
    i = tampered.find(b"20200601")
    assert i > 0
    tampered[i + 3] ^= 0x01
    assert isinstance(verify_timestamp(bytes(tampered), sig, ca.trust()), TimestampProblem)


def test_a_signing_root_never_vouches_for_a_tsa(ca: CA, pledge: Pledge) -> None:
    bundle = sign(pledge, ca.seal, tsa=ca.tsa)
    sig = bundle.dsse_envelope.signatures[0].sig
    token = (bundle.verification_material.signers[0].timestamps or (b"",))[0]
    wrong = TrustStore([ca.pki.root_certificate, ca.tsa.root_certificate])
    result = verify_timestamp(token, sig, wrong)
    assert isinstance(result, TimestampProblem)
    assert result.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    right = TrustStore([ca.pki.root_certificate])
    right.add_root(ca.tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    assert isinstance(verify_timestamp(token, sig, right), TimestampInfo)
