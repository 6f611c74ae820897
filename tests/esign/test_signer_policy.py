"""Signer policy (issue 9): a valid signature under a trusted root is not enough — the
signer must be entitled to sign the payload type. Every test is an attack an ordinary
certificate holder could try, through the public API."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gaozhi_sdk import hookimpl
from gaozhi_sdk.errors import SignatureError
from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    CertificateIdentity,
    CheckStatus,
    EcdsaP256Signer,
    IdentityKind,
    Indication,
    SubIndication,
    SubjectKind,
    TrustStore,
    VerificationReport,
    media_type,
    sign,
    validate,
    verify,
)
from gaozhi_sdk.esign.identity import OID_GMT_IDENTIFY_CODE
from gaozhi_sdk.ids import digest_identifier, resident_id_check_char, uscc_check_char
from gaozhi_sdk.models import (
    Applicant,
    AuthorizationGrant,
    IdType,
    PartyType,
    Pledge,
    Proxy,
    SpecialAuthorization,
    VerificationResult,
)
from gaozhi_sdk.plugins import PluginHost
from gaozhi_sdk.testing import TestPKI

from .conftest import (
    ORGAN_NAME,
    ORGAN_USCC,
    PLEDGOR_LABEL,
    RESIDENT_ID,
    make_finding,
    make_notice,
    make_pledge,
    pledgor_name,
    pledgor_signer,
)

_B_BODY = "32010219800101001"
OTHER_ID = _B_BODY + resident_id_check_char(_B_BODY)  # applicant B
_O_BODY = "11100000000024567"
OTHER_USCC = _O_BODY + uscc_check_char(_O_BODY)  # another organ
_C_BODY = "91110000MA0000001"
COMPANY_USCC = _C_BODY + uscc_check_char(_C_BODY)  # a legal-person applicant


def _policy_check(report: VerificationReport) -> Any:
    return next(c for s in report.signatures for c in s.checks if c.name == "signer_policy")


def _refused(report: VerificationReport) -> Any:
    assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    check = _policy_check(report)
    assert check.status is CheckStatus.FAILED and check.message and check.expected
    dumped = report.model_dump_json() + report.summary_zh() + report.summary_en()
    for full in (RESIDENT_ID, OTHER_ID):
        assert full not in dumped  # identifiers only masked
    return check


def _custom(pki: TestPKI, subject: x509.Name, *exts: x509.ExtensionType) -> EcdsaP256Signer:
    key = ec.generate_private_key(ec.SECP256R1())
    return EcdsaP256Signer(
        key, [pki.issue_certificate(key.public_key(), subject, extra_extensions=exts)]
    )


def _name(**attrs: str) -> x509.Name:
    oids = {
        "CN": NameOID.COMMON_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "serialNumber": NameOID.SERIAL_NUMBER,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attrs.items()])


# -- organ documents -----------------------------------------------------------------------


def test_applicant_cannot_re_sign_a_verification_record(pki: TestPKI, trust: TrustStore) -> None:
    """The reproduced attack: an applicant's own certificate re-signs the finding FALSE→TRUE."""
    forged = make_finding().model_copy(update={"result": VerificationResult.TRUE})
    report = validate(sign(forged, pledgor_signer(pki)), trust)
    check = _refused(report)
    assert "114000" not in (check.message or "")  # masked organ code only
    assert ORGAN_USCC[:6] in (check.message or "") and "印章" in (check.message or "")
    assert "个人" in (check.message or "")
    with pytest.raises(SignatureError) as ei:
        verify(sign(forged, pledgor_signer(pki)), trust)
    assert "SIGNER_NOT_AUTHORISED" in str(ei.value)
    # The organ's own seal may sign it.
    assert validate(sign(forged, pki.organ_seal(ORGAN_NAME, ORGAN_USCC)), trust).passed


def test_another_organs_seal_cannot_sign_this_organs_notice(
    pki: TestPKI, trust: TrustStore
) -> None:
    check = _refused(validate(sign(make_notice(), pki.organ_seal("另一机关", OTHER_USCC)), trust))
    assert "另一个机构" in (check.message or "")


def test_organ_code_in_the_ou_of_an_employee_certificate_is_not_a_seal(
    pki: TestPKI, trust: TrustStore
) -> None:
    """A personal certificate that names the organ as affiliation (OU) identifies a person."""
    staff = _custom(pki, _name(CN="王* 科员", OU=ORGAN_USCC, serialNumber=OTHER_ID))
    assert DEFAULT_POLICY.subject_of(staff.certificate_chain[0]).kind is SubjectKind.PERSON
    _refused(validate(sign(make_notice(), staff), trust))


def test_identity_only_in_the_cn_is_not_read(pki: TestPKI, trust: TrustStore) -> None:
    cn_only = _custom(pki, _name(CN=ORGAN_USCC))
    _refused(validate(sign(make_notice(), cn_only), trust))
    cn_person = _custom(pki, _name(CN=f"张三@{RESIDENT_ID}"))
    _refused(validate(sign(make_pledge(), cn_person), trust))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("serialNumber", ORGAN_USCC.lower()),
        ("OU", "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ORGAN_USCC)),
        ("serialNumber", f" {ORGAN_USCC}"),
    ],
    ids=["lower-case", "full-width", "leading-space"],
)
def test_non_canonical_organ_code_in_a_certificate_is_not_normalised_into_it(
    pki: TestPKI, trust: TrustStore, field: str, value: str
) -> None:
    odd = _custom(pki, _name(CN="某机关", **{field: value}))
    subject = DEFAULT_POLICY.subject_of(odd.certificate_chain[0])
    assert subject.kind in (SubjectKind.AMBIGUOUS, SubjectKind.NONE)
    _refused(validate(sign(make_notice(), odd), trust))


def test_two_different_identities_in_one_certificate_are_ambiguous(
    pki: TestPKI, trust: TrustStore
) -> None:
    both = _custom(pki, _name(CN="某机关", OU=OTHER_USCC, serialNumber=ORGAN_USCC))
    subject = DEFAULT_POLICY.subject_of(both.certificate_chain[0])
    assert subject.kind is SubjectKind.AMBIGUOUS and subject.problem
    _refused(validate(sign(make_notice(), both), trust))
    two_people = _custom(
        pki,
        x509.Name(
            [
                x509.NameAttribute(NameOID.SERIAL_NUMBER, RESIDENT_ID),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, OTHER_ID),
            ]
        ),
    )
    _refused(validate(sign(make_pledge(), two_people), trust))


def test_organ_code_in_an_extension_of_a_personal_certificate_does_not_help(
    pki: TestPKI, trust: TrustStore
) -> None:
    """The organ code in a different field (GM/T 0015 extension) of a person's certificate."""
    text = ORGAN_USCC.encode()
    org_ext = x509.UnrecognizedExtension(
        x509.ObjectIdentifier("1.2.156.10260.4.1.4"), bytes([0x13, len(text)]) + text
    )
    person = _custom(pki, _name(CN="王*", serialNumber=OTHER_ID), org_ext)
    assert DEFAULT_POLICY.subject_of(person.certificate_chain[0]).kind is SubjectKind.PERSON
    _refused(validate(sign(make_notice(), person), trust))


# -- pledges --------------------------------------------------------------------------------


def test_applicant_b_cannot_sign_applicant_as_pledge(pki: TestPKI, trust: TrustStore) -> None:
    b = pki.applicant("李* 320102********0011", OTHER_ID)
    check = _refused(validate(sign(make_pledge(), b), trust))
    assert "110105********002X" in (check.expected or "")  # whose signature was expected
    assert "320102" in (check.found or "")


def test_the_organs_seal_cannot_sign_a_pledge(pki: TestPKI, trust: TrustStore) -> None:
    check = _refused(validate(sign(make_pledge(), pki.organ_seal(ORGAN_NAME, ORGAN_USCC)), trust))
    assert "承诺人" in (check.message or "")


def test_certificate_without_identity_cannot_sign_a_pledge(pki: TestPKI, trust: TrustStore) -> None:
    _refused(validate(sign(make_pledge(), pki.applicant(PLEDGOR_LABEL)), trust))


@pytest.mark.parametrize("encoding", ["serialNumber", "etsi", "gmt0015", "otherName"])
def test_pledgor_identity_is_read_from_every_common_encoding(
    pki: TestPKI, trust: TrustStore, encoding: str
) -> None:
    own = pki.applicant(PLEDGOR_LABEL, RESIDENT_ID, encoding=encoding)
    report = validate(sign(make_pledge(), own), trust)
    assert report.passed, report.summary_en()
    assert "110105********002X" in (_policy_check(report).message or "")
    company = Applicant(
        party_type=PartyType.LEGAL_PERSON,
        name="某公司",
        id_type=IdType.USCC,
        id_number=COMPANY_USCC,
    )
    pledge = make_pledge().model_copy(update={"pledgor": company})
    seal = pki.applicant("某公司 电子印章", COMPANY_USCC, encoding=encoding)
    assert validate(sign(pledge, seal), trust).passed
    # The company's pledge signed by a person (even one holding its seal elsewhere) fails.
    _refused(validate(sign(pledge, own), trust))


def _proxy(pledge: Pledge, *, express: bool = True, grant_by: Any = None) -> Pledge:
    """``pledge`` naming a proxy; ``grant_by``: the signer of the special authorisation
    attached (R-024: only the pledgor's signed grant makes the proxy's signature count)."""
    party = Applicant(
        party_type=PartyType.CITIZEN, name="李四", id_type=IdType.RESIDENT_ID, id_number=OTHER_ID
    )
    auth = SpecialAuthorization(
        authorization_id="SQ-1",
        grantor_id_number=pledge.pledgor.id_number,
        matter_code=pledge.matter_code,
        entry_ids=tuple(i.entry_id for i in pledge.items),
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 3, 1),
        express_pledge_authority=express,
        document_ref="特别授权委托书",
    )
    proxy = Proxy(party=party, authorization=auth)
    if grant_by is not None:
        grant = AuthorizationGrant(
            authorization_id="SQ-1",
            grantor=pledge.pledgor,
            proxy=party,
            case_no=pledge.case_no,
            notice_id=pledge.notice_id,
            matter_code=pledge.matter_code,
            entry_ids=auth.entry_ids,
            valid_from=auth.valid_from,
            valid_to=auth.valid_to,
            express_pledge_authority=express,
            granted_at=pledge.signed_at,
        )
        proxy = proxy.with_signed_grant(sign(grant, grant_by).to_json())
    return pledge.model_copy(update={"proxy": proxy})


def test_the_named_specially_authorised_proxy_may_sign(pki: TestPKI, trust: TrustStore) -> None:
    proxy_cert = pki.applicant("李* 320102********0011", OTHER_ID)
    with_proxy = _proxy(make_pledge(), grant_by=pledgor_signer(pki))
    report = validate(sign(with_proxy, proxy_cert), trust)
    assert report.passed and "代为承诺人" in (_policy_check(report).message or "")
    # Named, but without the pledgor's signed special authorisation: a mere claim.
    check = _refused(validate(sign(_proxy(make_pledge()), proxy_cert), trust))
    assert "特别授权书" in (check.message or "")
    # Without the proxy named in the pledge, the same certificate may not sign.
    _refused(validate(sign(make_pledge(), proxy_cert), trust))
    # A general power of attorney (no express pledge authority) is not enough.
    _refused(validate(sign(_proxy(make_pledge(), express=False), proxy_cert), trust))
    # A third person is neither the pledgor nor the named proxy.
    third = pki.applicant(
        "赵* 第三人", "11010519800101001" + resident_id_check_char("11010519800101001")
    )
    check = _refused(validate(sign(with_proxy, third), trust))
    assert "代为承诺人" in (check.expected or "") and "承诺人" in (check.expected or "")


def test_digest_only_certificate(pki: TestPKI, trust: TrustStore) -> None:
    salt = b"per-deployment secret"
    digest = digest_identifier(RESIDENT_ID, salt)
    cert = pki.applicant(PLEDGOR_LABEL, digest, encoding="digest")
    data = sign(make_pledge(), cert)
    without_key = validate(data, trust)
    assert without_key.indication is Indication.INDETERMINATE
    assert without_key.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE
    policy = DEFAULT_POLICY.with_options(identifier_digest=lambda v: digest_identifier(v, salt))
    assert validate(data, trust, policy=policy).passed
    other = pki.applicant("李*", digest_identifier(OTHER_ID, salt), encoding="digest")
    _refused(validate(sign(make_pledge(), other), trust, policy=policy))


# -- canonical payloads ---------------------------------------------------------------------


def _resign_bytes(payload: bytes, signer: EcdsaP256Signer, ptype: str) -> bytes:
    return sign(payload, signer, payload_type=ptype).to_json()


@pytest.mark.parametrize(
    "variant", ["duplicate-key", "indented", "reordered", "escaped"], ids=lambda v: v
)
def test_only_the_jcs_form_of_a_payload_verifies(
    pki: TestPKI, trust: TrustStore, variant: str
) -> None:
    """The signer signs bytes: a payload that is not exactly the JCS of its document could be
    read differently by different parsers (duplicate keys: FALSE for one, TRUE for another)."""
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    finding = make_finding()
    doc = json.loads(finding.model_dump_json())
    canonical = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if variant == "duplicate-key":
        text = canonical.replace('"result":"TRUE"', '"result":"FALSE","result":"TRUE"')
        assert text != canonical
    elif variant == "indented":
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2)
    elif variant == "reordered":
        text = json.dumps(dict(reversed(sorted(doc.items()))), ensure_ascii=False)
        text = text.replace(", ", ",").replace(": ", ":")
    else:  # the same string, escaped differently
        text = canonical.replace('"result":"TRUE"', '"result":"\\u0054RUE"')
        assert json.loads(text) == doc
    ptype = media_type("verification")
    ok = validate(_resign_bytes(canonical.encode(), seal, ptype), trust)
    assert ok.passed, ok.summary_en()
    report = validate(_resign_bytes(text.encode(), seal, ptype), trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    check = next(c for c in report.checks if c.name == "payload_canonical")
    assert check.status is CheckStatus.FAILED and "JCS" in (check.message or "")


def test_duplicate_key_in_a_tampered_bundle_payload(pki: TestPKI, trust: TrustStore) -> None:
    """Re-encoding the payload of a genuine bundle with a duplicate key is caught even before
    the signature check (and the signature fails too)."""
    seal = pki.organ_seal(ORGAN_NAME, ORGAN_USCC)
    data = json.loads(sign(make_finding(), seal).to_json())
    body = base64.b64decode(data["dsseEnvelope"]["payload"]).decode()
    body = body.replace('"result":"TRUE"', '"result":"TRUE","result":"FALSE"')
    data["dsseEnvelope"]["payload"] = base64.b64encode(body.encode()).decode()
    report = validate(json.dumps(data).encode(), trust)
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


# -- plugin hook ----------------------------------------------------------------------------


class _CnAtCa:
    """A CA that writes ``CN=<name>@<resident id>`` (the plugin reads it)."""

    @hookimpl
    def gaozhi_certificate_identities(
        self, certificate: x509.Certificate
    ) -> Iterable[CertificateIdentity]:
        cn = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not cn or "@" not in str(cn[0].value):
            return []
        return [
            CertificateIdentity(
                IdentityKind.RESIDENT_ID, str(cn[0].value).split("@")[1], "subject:CN@2"
            )
        ]


def test_plugin_hook_reads_identities_of_other_cas(pki: TestPKI, trust: TrustStore) -> None:
    host = PluginHost(load_entrypoints=False)
    host.register(_CnAtCa(), "cn-at-ca")
    policy = DEFAULT_POLICY.with_options(identity_hook=host.certificate_identities)
    cert = _custom(pki, _name(CN=f"张三@{RESIDENT_ID}"))
    data = sign(make_pledge(), cert)
    _refused(validate(data, trust))  # built-in readers never read the CN
    assert validate(data, trust, policy=policy).passed
    # The plugin's values are held to the same rules: a lower-case x is not accepted.
    low = _custom(pki, _name(CN=f"张三@{RESIDENT_ID.lower()}"))
    _refused(validate(sign(make_pledge(), low), trust, policy=policy))


def test_pinned_key_without_an_identity_cannot_sign_organ_documents(pki: TestPKI) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signer = EcdsaP256Signer(key)
    data = sign(make_notice(), signer)
    report = validate(data, TrustStore(pins=[signer.public_key]))
    _refused(report)
    ident = CertificateIdentity(IdentityKind.USCC, ORGAN_USCC, "pinned")
    policy = DEFAULT_POLICY.with_options(pinned_identities={signer.keyid: (ident,)})
    assert validate(data, TrustStore(pins=[signer.public_key]), policy=policy).passed


def test_policy_argument_must_be_a_signer_policy(pki: TestPKI, trust: TrustStore) -> None:
    with pytest.raises(SignatureError) as ei:
        validate(sign(make_notice(), pki.organ_seal(ORGAN_NAME, ORGAN_USCC)), trust, policy="x")  # type: ignore[arg-type]
    assert ei.value.code == "GZ-SG-031"


def test_gmt0015_identify_code_extension_shapes(pki: TestPKI, trust: TrustStore) -> None:
    """IdentifyCode is a CHOICE: [0] resident ID is read; [2] passport is not an identity."""
    text = RESIDENT_ID.encode()
    printable = bytes([0x13, len(text)]) + text
    resident = x509.UnrecognizedExtension(
        OID_GMT_IDENTIFY_CODE, bytes([0xA0, len(printable)]) + printable
    )
    passport = x509.UnrecognizedExtension(
        OID_GMT_IDENTIFY_CODE, bytes([0xA2, len(printable)]) + printable
    )
    assert validate(sign(make_pledge(), _custom(pki, _name(CN="x"), resident)), trust).passed
    _refused(validate(sign(make_pledge(), _custom(pki, _name(CN="x"), passport)), trust))
    assert pledgor_name().get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == RESIDENT_ID
