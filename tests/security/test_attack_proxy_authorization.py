"""A self-asserted special authorisation (issue 9, R-024, DESIGN §4).

The attacker is a proxy with an ordinary certificate under the verifier's root. It drafts
a pledge naming itself as the applicant's specially authorised proxy — the authorisation
fields are only its own claim — and signs. The strict policy accepts a proxy's signature
only with the applicant's signed special authorisation (``proxy-authorization``) bound to
this pledge; everything else is TOTAL_FAILED / SIGNER_NOT_AUTHORISED naming why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import Indication, SubIndication, sign, validate
from gaozhi_sdk.ids import resident_id_check_char
from gaozhi_sdk.models import (
    CST,
    DEFAULT_PLEDGE_CLAUSES,
    Applicant,
    AuthorizationGrant,
    IdType,
    PartyType,
    Pledge,
    PledgeItem,
    Proxy,
    SpecialAuthorization,
)
from gaozhi_sdk.testing import TestPKI

from .conftest import ORGAN_USCC


def _person(body: str, name: str) -> Applicant:
    return Applicant(
        party_type=PartyType.CITIZEN,
        name=name,
        id_type=IdType.RESIDENT_ID,
        id_number=body + resident_id_check_char(body),
        contact="13800000000",
        address="北京市西城区某路1号",
    )


PLEDGOR = _person("11010519491231002", "张三")
PROXY = _person("11010519800101003", "李四")
STRANGER = _person("11010519900101004", "王五")
SIGNED_AT = datetime(2026, 1, 5, 10, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create(not_before=datetime(2025, 1, 1, tzinfo=UTC))


def _signer(pki: TestPKI, who: Applicant) -> Any:
    return pki.applicant(f"{who.name[0]}*", who.id_number)


def _grant(**change: Any) -> AuthorizationGrant:
    base = AuthorizationGrant(
        authorization_id="SQ-0001",
        grantor=PLEDGOR,
        proxy=PROXY,
        case_no="CASE-2026-0001",
        notice_id="CN-N-2026-000001",
        matter_code="M-0001",
        entry_ids=("E-000",),
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 3, 31),
        express_pledge_authority=True,
        granted_at=SIGNED_AT - timedelta(days=1),
    )
    return base.model_copy(update=change)


def _pledge(signed_grant: bytes | None) -> Pledge:
    proxy = Proxy(
        party=PROXY,
        authorization=SpecialAuthorization(
            authorization_id="SQ-0001",
            grantor_id_number=PLEDGOR.id_number,
            matter_code="M-0001",
            entry_ids=("E-000",),
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 3, 31),
            express_pledge_authority=True,
            document_ref="特别授权委托书",
        ),
    )
    if signed_grant is not None:
        proxy = proxy.with_signed_grant(signed_grant)
    return Pledge(
        pledge_id="CN-P-2026-000001",
        case_no="CASE-2026-0001",
        notice_id="CN-N-2026-000001",
        notice_hash="a" * 64,
        matter_code="M-0001",
        organ_uscc=ORGAN_USCC,
        pledgor=PLEDGOR,
        proxy=proxy,
        items=(
            PledgeItem(
                entry_id="E-000",
                entry_version=1,
                proof_name="无犯罪记录证明",
                proof_content="本人无犯罪记录",
                clauses=DEFAULT_PLEDGE_CLAUSES,
            ),
        ),
        acknowledged_notice=True,
        signed_at=SIGNED_AT,
    )


def _signed_by_proxy(pki: TestPKI, grant: bytes | None) -> bytes:
    return sign(_pledge(grant), _signer(pki, PROXY)).to_json()


def test_r024_a_proxy_with_the_pledgors_signed_authorisation_passes(pki: TestPKI) -> None:
    grant = sign(_grant(), _signer(pki, PLEDGOR)).to_json()
    report = validate(_signed_by_proxy(pki, grant), pki.trust_store())
    assert report.indication is Indication.TOTAL_PASSED, report.summary_en()
    # the grant alone is a document the pledgor signed (payload type proxy-authorization)
    assert validate(grant, pki.trust_store()).indication is Indication.TOTAL_PASSED


def test_r024_a_self_asserted_special_authorisation_is_not_authority(pki: TestPKI) -> None:
    report = validate(_signed_by_proxy(pki, None), pki.trust_store())
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    text = report.summary_zh()
    assert "未附承诺人" in text and "特别授权书" in text
    assert "a proxy's own claim of authority is not evidence" in report.summary_en()


@pytest.mark.parametrize(
    ("who", "change", "why_en"),
    [
        ("proxy", {}, "must be a proxy-authorization signed by the pledgor"),
        ("stranger", {}, "must be a proxy-authorization signed by the pledgor"),
        ("pledgor", {"proxy": STRANGER}, "the grantee is not the proxy"),
        ("pledgor", {"case_no": "CASE-2026-0002"}, "another case"),
        ("pledgor", {"notice_id": "CN-N-2026-000002"}, "another notice"),
        ("pledgor", {"entry_ids": ("E-999",)}, "not every pledged proof"),
        ("pledgor", {"express_pledge_authority": False}, "no express authority"),
        ("pledgor", {"valid_to": date(2026, 1, 4)}, "outside"),
        ("pledgor", {"granted_at": SIGNED_AT + timedelta(hours=1)}, "granted after"),
    ],
)
def test_r024_an_authorisation_that_does_not_bind_this_pledge_is_refused(
    pki: TestPKI, who: str, change: dict[str, Any], why_en: str
) -> None:
    signer = {"proxy": PROXY, "stranger": STRANGER, "pledgor": PLEDGOR}[who]
    grant = sign(_grant(**change), _signer(pki, signer)).to_json()
    report = validate(_signed_by_proxy(pki, grant), pki.trust_store())
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED, report.summary_en()
    assert why_en in report.summary_en()


def test_r024_an_authorisation_under_another_root_is_not_evidence(pki: TestPKI) -> None:
    """The grant must verify under the verifier's anchors, not any CA's: one that chains
    to another root leaves the proxy's entitlement undecided — never PASSED."""
    other = TestPKI.create(not_before=datetime(2025, 1, 1, tzinfo=UTC))
    grant = sign(_grant(), _signer(other, PLEDGOR)).to_json()
    report = validate(_signed_by_proxy(pki, grant), pki.trust_store())
    assert report.indication is Indication.INDETERMINATE
    assert report.sub_indication is SubIndication.SIG_CONSTRAINTS_FAILURE
    assert "NO_CERTIFICATE_CHAIN_FOUND" in report.summary_en()
    # with the other root among the verifier's anchors, the same grant is evidence
    both = pki.trust_store()
    both.add_root(other.root_certificate)
    assert validate(_signed_by_proxy(pki, grant), both).indication is Indication.TOTAL_PASSED


def test_r024_cli_verify_names_the_missing_authorisation(
    pki: TestPKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    bad = tmp_path / "self-asserted.bundle.json"
    bad.write_bytes(_signed_by_proxy(pki, None))
    good = tmp_path / "granted.bundle.json"
    good.write_bytes(_signed_by_proxy(pki, sign(_grant(), _signer(pki, PLEDGOR)).to_json()))
    capsys.readouterr()
    assert main(["verify", str(good), "--trust", str(tmp_path / "root.pem")]) == 0
    assert main(["verify", str(bad), "--trust", str(tmp_path / "root.pem")]) == 1
    out = capsys.readouterr().out
    assert "SIGNER_NOT_AUTHORISED" in out and "特别授权书" in out


def test_r024_another_document_passed_off_as_the_authorisation_is_refused(
    pki: TestPKI,
) -> None:
    """A genuine document of the pledgor that is not a grant (their own pledge) is no
    authorisation; it is not even looked into."""
    own = sign(_pledge(None).model_copy(update={"proxy": None}), _signer(pki, PLEDGOR)).to_json()
    report = validate(_signed_by_proxy(pki, own), pki.trust_store())
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    assert "not a proxy-authorization bundle" in report.summary_en()
