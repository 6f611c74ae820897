"""The event-CA HTTP client (DESIGN §4a) against the emulated CA served over real HTTP on
127.0.0.1: certificates issued, refusals carry the CA's codes, and a service opened with a
plugin host signs an event-certificate pledge through it."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from gaozhi_plugin_sharing_http import EventCaHttpPlugin, HttpEventCA

from gaozhi_sdk import (
    AuthenticationOutcome,
    AuthenticationRequest,
    EventCertificateRequest,
    SigningMethod,
)
from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.esign import Bundle, validate
from gaozhi_sdk.models import AuthenticationMethod, IdType
from gaozhi_sdk.plugins import PluginHost
from gaozhi_sdk.testing import (
    EmulatedEventCA,
    EmulatedIdentityProvider,
    Sandbox,
    synthetic_applicant,
)

ID = synthetic_applicant(random.Random(1)).id_number


def _raw(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def served() -> Iterator[tuple[EmulatedIdentityProvider, EmulatedEventCA, HttpEventCA]]:
    idp = EmulatedIdentityProvider()
    ca = EmulatedEventCA({idp.name: idp.public_key})
    url = ca.start()
    client = HttpEventCA(url)
    yield idp, ca, client
    client.close()
    ca.stop()


def _token(idp: EmulatedIdentityProvider, id_number: str = ID) -> str:
    start = idp.start(
        AuthenticationRequest(
            id_type=IdType.RESIDENT_ID,
            id_number=id_number,
            method=AuthenticationMethod.FACE_RECOGNITION,
            reference="C-1",
        )
    )
    result = idp.finish(start.provider_session_id, {})
    assert result.outcome is AuthenticationOutcome.SUCCESS and result.token
    return result.token


def test_r035_http_ca_issues_a_ten_minute_certificate_on_a_signed_challenge(
    served: tuple[EmulatedIdentityProvider, EmulatedEventCA, HttpEventCA],
) -> None:
    idp, ca, client = served
    key = ec.generate_private_key(ec.SECP256R1())
    ch = client.challenge()
    issued = client.issue(
        EventCertificateRequest(
            authentication_token=_token(idp),
            public_key=_spki(key),
            challenge_id=ch.challenge_id,
            challenge_signature=_raw(key, base64.b64decode(ch.challenge)),
            signature_format="raw",
        )
    )
    assert issued.not_after - issued.not_before == timedelta(minutes=10)
    from cryptography import x509

    leaf = x509.load_der_x509_certificate(issued.certificate_chain[0])
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    assert ca.issued == 1
    assert client.ca_certificates() == [
        ca.root_certificate.public_bytes(serialization.Encoding.DER)
    ]


def test_r035_http_ca_refusals_keep_their_codes(
    served: tuple[EmulatedIdentityProvider, EmulatedEventCA, HttpEventCA],
) -> None:
    idp, _, client = served
    token = _token(idp)
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def ask(signer: ec.EllipticCurvePrivateKey, tok: str = token) -> None:
        ch = client.challenge()
        client.issue(
            EventCertificateRequest(
                authentication_token=tok,
                public_key=_spki(key),
                challenge_id=ch.challenge_id,
                challenge_signature=_raw(signer, base64.b64decode(ch.challenge)),
                signature_format="raw",
            )
        )

    with pytest.raises(GaozhiError) as err:
        ask(other)  # no proof of possession
    assert err.value.code == "GZ-SG-084"
    ask(key)
    with pytest.raises(GaozhiError) as err:
        ask(key)  # the token is spent
    assert err.value.code == "GZ-SG-082"
    forged_idp = EmulatedIdentityProvider()  # same name, other key: not the trusted issuer
    with pytest.raises(GaozhiError) as err:
        ask(key, _token(forged_idp))
    assert err.value.code == "GZ-SG-080"


def test_http_ca_client_refuses_plain_http_to_a_remote_host_and_bad_replies() -> None:
    with pytest.raises(GaozhiError) as err:
        HttpEventCA("http://ca.example/event-ca")
    assert err.value.code == "GZ-SG-085"
    with pytest.raises(GaozhiError) as err:  # nothing listens there: a coded error
        HttpEventCA("http://127.0.0.1:9", timeout_s=2).challenge()
    assert err.value.code == "GZ-SG-085"


def test_r035_service_signs_an_event_certificate_pledge_through_the_http_plugin() -> None:
    box = Sandbox.open(applicant_signing=True)
    url = box.event_ca.start()
    host = PluginHost(
        load_entrypoints=False,
        env={},
        config={"plugins": {"event-ca-http": {"url": url, "name": "province-ca"}}},
    )
    host.register(EventCaHttpPlugin(), name="event-ca-http")
    try:
        assert host.event_certificate_authority("other") is None
        svc = box.svc
        svc.event_ca = host.event_certificate_authority("province-ca")
        assert isinstance(svc.event_ca, HttpEventCA)
        notice, me = box.pledge_ready_case(["SZ-GA-HJ-001"])
        s = svc.signing.start_authentication(notice.case_no, me)
        s = svc.signing.finish_authentication(s.session_id, me)
        key = ec.generate_private_key(ec.SECP256R1())
        ch = svc.signing.event_certificate_challenge(s.session_id, me)
        cert = svc.signing.issue_event_certificate(
            s.session_id,
            me,
            public_key=_spki(key),
            challenge_id=ch.challenge_id,
            challenge_signature=_raw(key, base64.b64decode(ch.challenge)),
            signature_format="raw",
        )
        assert box.event_ca.issued == 1  # issued by the CA behind the HTTP API
        dts = svc.cases.pledge_data_to_sign(
            notice.case_no,
            cert.certificate_chain,
            me,
            signing_method=SigningMethod.EVENT_CERTIFICATE,
        )
        pledge = svc.cases.assemble_pledge(
            notice.case_no, dts.session_id, _raw(key, dts.pae_bytes), me, signature_format="raw"
        )
        blob = svc.store.get_blob(f"pledge/{pledge.pledge_id}")
        assert blob is not None
        report = validate(Bundle.from_json(blob.data), box.trust)
        assert report.passed and report.signing_method is not None
        assert report.signing_method.method == "EVENT_CERTIFICATE"
    finally:
        host.shutdown()
        box.event_ca.stop()
        box.svc.close()
