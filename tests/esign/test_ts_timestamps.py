"""RFC 3161 time-stamps: local TSA over real HTTP, best-signature-time validation (DESIGN §4)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest

from gaozhi_sdk.cli import main
from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    AnchorPurpose,
    Bundle,
    CheckStatus,
    HttpTimestampAuthority,
    Indication,
    SubIndication,
    TimestampAuthority,
    TrustStore,
    ValidationTimeSource,
    sign,
    timestamp_bundle,
    tsa_registration,
    validate,
    verify,
)
from gaozhi_sdk.esign.timestamps import (
    build_request,
    signature_imprint,
    token_from_response,
    verify_timestamp,
)
from gaozhi_sdk.models import Pledge
from gaozhi_sdk.testing import TestPKI
from gaozhi_sdk.testing.tsa import LocalTSA

from .conftest import PLEDGOR_LABEL, RESIDENT_ID, make_pledge, pledgor_signer

T_SIGNED = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tsa() -> LocalTSA:
    return LocalTSA.create()


@pytest.fixture(scope="module")
def old_pki() -> TestPKI:
    """A PKI valid from 2019 (root and TSA valid for 20 years)."""
    return TestPKI.create(name="gaozhi 旧根 CA", not_before=datetime(2019, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def old_tsa() -> LocalTSA:
    return LocalTSA.create(not_before=datetime(2019, 1, 1, tzinfo=UTC), clock=lambda: T_SIGNED)


def _trust(pki: TestPKI, *tsas: LocalTSA) -> TrustStore:
    trust = pki.trust_store()
    for t in tsas:
        trust.add_root(t.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    return trust


def _check(sig_checks: Any, name: str) -> Any:
    return next(c for c in sig_checks if c.name == name)


def test_local_tsa_over_http_time_stamps_a_signature(
    pki: TestPKI, tsa: LocalTSA, pledge: Pledge
) -> None:
    seal = pledgor_signer(pki)
    with tsa:
        client = HttpTimestampAuthority(tsa.url)
        assert isinstance(client, TimestampAuthority)
        bundle = sign(pledge, seal, tsa=client)
    data = bundle.to_json()
    assert Bundle.from_json(data).to_json() == data  # tokens survive the round trip
    token = Bundle.from_json(data).verification_material.signers[0].timestamps
    assert token is not None and len(token) == 1

    report = validate(data, _trust(pki, tsa))
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    sig = report.signatures[0]
    assert _check(sig.checks, "timestamp").status is CheckStatus.PASSED
    assert sig.validation_time_source is ValidationTimeSource.TIMESTAMP
    assert sig.best_signature_time == sig.validation_time
    assert report.validation_time_source is ValidationTimeSource.TIMESTAMP
    assert report.validation_time == sig.best_signature_time


def test_expired_certificate_with_timestamp_inside_validity_passes(
    old_pki: TestPKI, old_tsa: LocalTSA, pledge: Pledge
) -> None:
    seal = pledgor_signer(
        old_pki,
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
    )
    bundle = sign(pledge, seal, tsa=old_tsa)
    report = validate(bundle.to_json(), _trust(old_pki, old_tsa))
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    assert report.validation_time_source is ValidationTimeSource.TIMESTAMP
    assert report.validation_time == T_SIGNED
    assert "时间戳" in report.summary_zh()

    # The same signature without its time-stamp: no proof of existence (issue 3).
    bare = sign(pledge, seal)
    report2 = validate(bare.to_json(), _trust(old_pki, old_tsa))
    assert report2.indication is Indication.INDETERMINATE
    assert report2.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE
    assert report2.validation_time_source is ValidationTimeSource.SYSTEM_CLOCK


def test_at_overrides_the_timestamp_and_is_echoed(
    old_pki: TestPKI, old_tsa: LocalTSA, pledge: Pledge, tmp_path: Any, capsys: Any
) -> None:
    seal = pledgor_signer(
        old_pki,
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2021, 1, 1, tzinfo=UTC),
    )
    bundle = sign(pledge, seal, tsa=old_tsa)
    late = datetime(2024, 1, 1, tzinfo=UTC)
    report = validate(bundle.to_json(), _trust(old_pki, old_tsa), at=late)
    assert report.validation_time == late
    assert report.validation_time_source is ValidationTimeSource.CALLER
    assert report.signatures[0].best_signature_time == T_SIGNED
    assert report.sub_indication is SubIndication.OUT_OF_BOUNDS_NO_POE

    path = tmp_path / "p.bundle.json"
    path.write_bytes(bundle.to_json())
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "root.pem").write_bytes(old_pki.root_pem())
    old_tsa.write_trust(tmp_path / "trust" / "tsa")  # time-stamping anchors: trust/tsa/
    code = main(
        [
            "verify",
            str(path),
            "--trust",
            str(tmp_path / "trust"),
            "--json",
            "--at",
            "2020-07-01T08:00:00+08:00",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out[0]["report"]["validation_time"].startswith("2020-07-01T00:00:00")
    assert out[0]["report"]["validation_time_source"] == "CALLER"


def test_token_over_other_bytes_is_hash_failure(
    pki: TestPKI, tsa: LocalTSA, pledge: Pledge
) -> None:
    seal = pledgor_signer(pki)
    a = sign(pledge, seal)
    b = sign(make_pledge(pledge_id="CN-P-2026-000002"), seal, tsa=tsa)
    stolen = b.verification_material.signers[0].timestamps
    obj = json.loads(a.to_json())
    obj["verificationMaterial"]["signers"][0]["timestamps"] = [
        base64.b64encode(stolen[0]).decode() if stolen else ""
    ]
    report = validate(json.dumps(obj).encode(), _trust(pki, tsa))
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.HASH_FAILURE
    ts = _check(report.signatures[0].checks, "timestamp")
    assert ts.expected and ts.found and ts.remedy and ts.remedy_en and ts.message_en


def test_every_bit_flip_of_a_token_is_detected(pki: TestPKI, tsa: LocalTSA, pledge: Pledge) -> None:
    seal = pledgor_signer(pki)
    bundle = sign(pledge, seal, tsa=tsa)
    sig = bundle.dsse_envelope.signatures[0].sig
    good = (bundle.verification_material.signers[0].timestamps or (b"",))[0]
    trust = _trust(pki, tsa)
    assert not hasattr(verify_timestamp(good, sig, trust), "sub_indication")
    for offset in range(len(good)):
        token = bytearray(good)
        token[offset] ^= 0x01
        result = verify_timestamp(bytes(token), sig, trust)
        assert hasattr(result, "sub_indication"), f"flip at byte {offset} not detected"
    # ... and through the whole validation, once.
    token = bytearray(good)
    token[-8] ^= 0x01
    material = bundle.verification_material.signers[0].model_copy(
        update={"timestamps": (bytes(token),)}
    )
    vm = bundle.verification_material.model_copy(update={"signers": (material,)})
    bad = bundle.model_copy(update={"verification_material": vm})
    report = validate(bad.to_json(), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert _check(report.signatures[0].checks, "timestamp").status is CheckStatus.FAILED


def test_untrusted_tsa_is_indeterminate(pki: TestPKI, tsa: LocalTSA, pledge: Pledge) -> None:
    bundle = sign(pledge, pledgor_signer(pki), tsa=tsa)
    report = validate(bundle.to_json(), pki.trust_store())  # TSA root not trusted
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    ts = _check(report.signatures[0].checks, "timestamp")
    assert (
        tsa.certificate.fingerprint(
            __import__("cryptography").hazmat.primitives.hashes.SHA256()
        ).hex()
        in ts.message
    )
    with pytest.raises(SignatureError) as ei:
        verify(bundle.to_json(), pki.trust_store())
    assert ei.value.code == "GZ-SG-010"


def test_tsa_without_critical_eku_is_refused(pki: TestPKI, pledge: Pledge) -> None:
    # A "TSA" whose certificate is a document-signing certificate, not timeStamping.
    seal = pledgor_signer(pki)
    fake = LocalTSA(
        root_key=seal.private_key,  # type: ignore[arg-type]
        root_certificate=pki.root_certificate,
        key=seal.private_key,
        certificate=seal.certificate_chain[0],
    )
    bundle = sign(pledge, seal, tsa=fake)
    both = pki.trust_store()  # the root vouches for TSAs too: the EKU is the only obstacle
    both.add_root(pki.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
    report = validate(bundle.to_json(), both)
    assert report.indication is Indication.INDETERMINATE
    message = _check(report.signatures[0].checks, "timestamp").message or ""
    assert "timeStamping" in message and "2.5.29.37" in message  # the EKU extension


def test_http_tsa_errors_are_coded(pki: TestPKI) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here
    with pytest.raises(SignatureError) as ei:
        HttpTimestampAuthority(f"http://127.0.0.1:{port}/tsa", timeout=(2, 2)).timestamp(b"\0" * 32)
    assert ei.value.code == "GZ-SG-060"

    class Junk(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"junk")

        def log_message(self, *a: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Junk)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with pytest.raises(SignatureError) as ei:
            HttpTimestampAuthority(url).timestamp(b"\0" * 32)
        assert ei.value.code == "GZ-SG-061"
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(SignatureError):
        HttpTimestampAuthority("ftp://x")
    with pytest.raises(SignatureError):
        build_request(b"short")


def test_local_tsa_rejects_non_sha256_queries(tsa: LocalTSA) -> None:
    from asn1crypto import tsp

    q = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha1"},
                "hashed_message": b"\0" * 20,
            },
        }
    ).dump()
    with pytest.raises(SignatureError) as ei:
        token_from_response(tsa.respond(q), b"\0" * 20, None)
    assert ei.value.code == "GZ-SG-061"


def test_tsa_registration_is_a_provider_of_kind_tsa(tsa: LocalTSA) -> None:
    reg = tsa_registration("local", "http://127.0.0.1:1/tsa")
    assert reg.kind == "tsa" and reg.name == "local"
    client = reg.factory({"timeout": [1, 2]})
    assert isinstance(client, HttpTimestampAuthority) and client.timeout == (1.0, 2.0)


def test_timestamp_bundle_adds_one_token_per_signature(
    pki: TestPKI, tsa: LocalTSA, pledge: Pledge
) -> None:
    from gaozhi_sdk.esign import sign_many

    a = pledgor_signer(pki)
    b = pki.applicant(PLEDGOR_LABEL, RESIDENT_ID, encoding="etsi")  # a second certificate
    bundle = timestamp_bundle(sign_many(pledge, [a, b]), tsa)
    bundle = timestamp_bundle(bundle, tsa)  # a second TSA pass appends
    trust = _trust(pki, tsa)
    for m, s in zip(
        bundle.verification_material.signers, bundle.dsse_envelope.signatures, strict=True
    ):
        assert m.timestamps is not None and len(m.timestamps) == 2
        info = verify_timestamp(m.timestamps[0], s.sig, trust)
        assert not hasattr(info, "sub_indication"), info
    assert signature_imprint(b"x") == hashlib.sha256(b"x").digest()
    assert validate(bundle.to_json(), trust).passed
