"""Fixtures for the signature tests: documents built from gaozhi_sdk.models and a test PKI."""

from __future__ import annotations

from datetime import datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    CertificateIdentity,
    EcdsaP256Signer,
    IdentityKind,
    SignerPolicy,
    TrustStore,
    clear_chain_cache,
)
from gaozhi_sdk.ids import mask_identifier, resident_id_check_char, uscc_check_char
from gaozhi_sdk.models import (
    CST,
    DEFAULT_PLEDGE_CLAUSES,
    Applicant,
    CommitmentMethod,
    DisclosurePolicy,
    IdType,
    Notice,
    NoticeChannel,
    NoticeItem,
    PartyType,
    Pledge,
    PledgeItem,
    VerificationFinding,
    VerificationMethod,
    VerificationResult,
)
from gaozhi_sdk.testing import TestPKI

_ID_BODY = "11010519491231002"
RESIDENT_ID = _ID_BODY + resident_id_check_char(_ID_BODY)
_USCC_BODY = "11100000000013127"
ORGAN_USCC = _USCC_BODY + uscc_check_char(_USCC_BODY)
ORGAN_NAME = "某市市场监督管理局"
#: The masked CN of the pledgor's certificate (the resident ID itself is in serialNumber).
PLEDGOR_LABEL = "张* 110105********002X"


def pledgor_signer(pki: TestPKI, **kw: object) -> EcdsaP256Signer:
    """The pledgor's own certificate (resident ID in subject serialNumber), as the strict
    signer policy requires for pledges (DESIGN §4)."""
    return pki.applicant(PLEDGOR_LABEL, RESIDENT_ID, **kw)  # type: ignore[arg-type]


def pledgor_name(cn: str = PLEDGOR_LABEL) -> x509.Name:
    """A subject naming the pledgor (for certificates issued with custom profiles)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, RESIDENT_ID),
        ]
    )


def pinned_pledgor_policy(keyid: str) -> SignerPolicy:
    """The strict policy plus: the pinned key ``keyid`` belongs to the pledgor (a pinned
    key has no certificate to read an identity from)."""
    ident = CertificateIdentity(IdentityKind.RESIDENT_ID, RESIDENT_ID, "pinned key")
    return DEFAULT_POLICY.with_options(pinned_identities={keyid: (ident,)})


def make_pledge(n_items: int = 2, pledge_id: str = "CN-P-2026-000001") -> Pledge:
    applicant = Applicant(
        party_type=PartyType.CITIZEN,
        name="张三",
        id_type=IdType.RESIDENT_ID,
        id_number=RESIDENT_ID,
        contact="13800000000",
        address="北京市西城区某路1号",
    )
    items = tuple(
        PledgeItem(
            entry_id=f"E-{i:03d}",
            entry_version=1,
            proof_name="无犯罪记录证明",
            proof_content="本人无犯罪记录",
            clauses=DEFAULT_PLEDGE_CLAUSES,
        )
        for i in range(n_items)
    )
    return Pledge(
        pledge_id=pledge_id,
        case_no="CASE-2026-0001",
        notice_id="CN-N-2026-000001",
        notice_hash="a" * 64,
        matter_code="M-0001",
        organ_uscc=ORGAN_USCC,
        pledgor=applicant,
        items=items,
        acknowledged_notice=True,
        signed_at=datetime(2026, 1, 5, 10, 0, tzinfo=CST),
    )


def make_notice() -> Notice:
    item = NoticeItem(
        entry_id="E-000",
        entry_version=1,
        matter_name="设立登记",
        legal_basis=("《某条例》第十条",),
        proof_name="无犯罪记录证明",
        proof_obligation="申请人无犯罪记录",
        proof_content="本人无犯罪记录",
        commitment_method=CommitmentMethod.ELECTRONIC_SIGNATURE,
        liability="承诺不实的, 依法承担相应责任",
        verification_power="行政机关有权核查",
        cooperation_duty="申请人应配合核查",
        credit_consequence="记入信用记录",
        disclosure=DisclosurePolicy.NONE,
        disclosure_notice="承诺书不公开",
        verification_method="在线核查",
        proxy_allowed=False,
        pledge_clauses=DEFAULT_PLEDGE_CLAUSES,
    )
    return Notice(
        notice_id="CN-N-2026-000001",
        case_no="CASE-2026-0001",
        organ_name=ORGAN_NAME,
        organ_uscc=ORGAN_USCC,
        applicant_digest="b" * 64,
        applicant_masked=mask_identifier(RESIDENT_ID),
        channel=NoticeChannel.ONLINE,
        issued_at=datetime(2026, 1, 5, 9, 0, tzinfo=CST),
        items=(item,),
    )


def make_finding() -> VerificationFinding:
    return VerificationFinding(
        verification_id="V-1",
        case_no="CASE-2026-0001",
        entry_id="E-000",
        method=VerificationMethod.ONLINE,
        result=VerificationResult.TRUE,
        concluded_at=datetime(2026, 2, 1, 9, 0, tzinfo=CST),
        inspector="EMP***01",
        organ_uscc=ORGAN_USCC,
    )


@pytest.fixture(autouse=True)
def _fresh_chain_cache() -> None:
    clear_chain_cache()


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI.create()


@pytest.fixture(scope="session")
def pki_inter() -> TestPKI:
    return TestPKI.create(name="gaozhi 测试根 CA (含中级)", intermediate=True)


@pytest.fixture
def trust(pki: TestPKI) -> TrustStore:
    return pki.trust_store()


@pytest.fixture
def pledge() -> Pledge:
    return make_pledge()


@pytest.fixture
def notice() -> Notice:
    return make_notice()
