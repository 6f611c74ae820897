"""Attacker review (issue 9, R-024): a pledge signed by a proxy is the pledgor's only when
the special authorisation it names covers *this* pledge. A verifier has the pledge alone
(``gaozhi verify`` years later, no service to ask), so the signer policy must check what
the pledge itself shows: granted by the pledgor (the model refuses another grantor),
express, for this matter, for every pledged proof, valid on the signing date.

Each test signs with a real certificate of the proxy from :class:`TestPKI`; every altered
authorisation must leave the signature unaccepted, the genuine one must pass.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gaozhi_sdk.cli import main
from gaozhi_sdk.esign import (
    CheckStatus,
    Indication,
    SubIndication,
    TrustStore,
    sign,
    validate,
)
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

_A = "11010519491231002"
PLEDGOR_ID = _A + resident_id_check_char(_A)
_P = "32010219800101001"
PROXY_ID = _P + resident_id_check_char(_P)
_O = "44030019700101003"
OTHER_ID = _O + resident_id_check_char(_O)
SIGNED_AT = datetime(2026, 1, 5, 10, 0, tzinfo=CST)


def _person(name: str, ident: str) -> Applicant:
    return Applicant(
        party_type=PartyType.CITIZEN, name=name, id_type=IdType.RESIDENT_ID, id_number=ident
    )


def _authorisation(**changes: Any) -> SpecialAuthorization:
    fields: dict[str, Any] = {
        "authorization_id": "SQ-1",
        "grantor_id_number": PLEDGOR_ID,
        "matter_code": "M-0001",
        "entry_ids": ("E-000", "E-001"),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 3, 1),
        "express_pledge_authority": True,
        "document_ref": "特别授权委托书",
    }
    fields.update(changes)
    return SpecialAuthorization(**fields)


def _pledge(auth: SpecialAuthorization, *, signed_at: datetime = SIGNED_AT) -> Pledge:
    items = tuple(
        PledgeItem(
            entry_id=f"E-{i:03d}",
            entry_version=1,
            proof_name="无犯罪记录证明",
            proof_content="本人无犯罪记录",
            clauses=DEFAULT_PLEDGE_CLAUSES,
        )
        for i in range(2)
    )
    return Pledge(
        pledge_id="CN-P-2026-000001",
        case_no="CASE-2026-0001",
        notice_id="CN-N-2026-000001",
        notice_hash="a" * 64,
        matter_code="M-0001",
        organ_uscc=ORGAN_USCC,
        pledgor=_person("张三", PLEDGOR_ID),
        proxy=Proxy(party=_person("李四", PROXY_ID), authorization=auth),
        items=items,
        acknowledged_notice=True,
        signed_at=signed_at,
    )


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI.create()


@pytest.fixture(scope="module")
def trust(pki: TestPKI) -> TrustStore:
    return pki.trust_store()


def _refused(report: Any) -> None:
    assert report.indication is Indication.TOTAL_FAILED, report.summary_en()
    assert report.sub_indication is SubIndication.SIGNER_NOT_AUTHORISED
    check = next(c for s in report.signatures for c in s.checks if c.name == "signer_policy")
    assert check.status is CheckStatus.FAILED
    assert "授权" in (check.message or "") and "authoris" in (check.message_en or "")


def _granted(pki: TestPKI, pledge: Pledge) -> Pledge:
    """``pledge`` carrying the pledgor's signed special authorisation mirroring the one it
    names (issue 9 item 3: without it a proxy's signature is never accepted), so that
    what is judged here is the coverage of the authorisation itself."""
    assert pledge.proxy is not None
    auth = pledge.proxy.authorization
    grant = AuthorizationGrant(
        authorization_id=auth.authorization_id,
        grantor=pledge.pledgor,
        proxy=pledge.proxy.party,
        case_no=pledge.case_no,
        notice_id=pledge.notice_id,
        matter_code=auth.matter_code,
        entry_ids=auth.entry_ids,
        valid_from=auth.valid_from,
        valid_to=auth.valid_to,
        express_pledge_authority=auth.express_pledge_authority,
        granted_at=datetime(2025, 12, 31, 9, 0, tzinfo=CST),
    )
    signed = sign(grant, pki.applicant("张* 承诺人", PLEDGOR_ID)).to_json()
    return pledge.model_copy(update={"proxy": pledge.proxy.with_signed_grant(signed)})


def test_r024_proxy_with_a_covering_special_authorisation_verifies(
    pki: TestPKI, trust: TrustStore
) -> None:
    proxy = pki.applicant("李* 代为承诺人", PROXY_ID)
    report = validate(sign(_granted(pki, _pledge(_authorisation())), proxy), trust)
    assert report.passed, report.summary_en()
    # boundary days of the authorisation are inside it
    for day in (date(2026, 1, 1), date(2026, 3, 1)):
        at = datetime(day.year, day.month, day.day, 12, 0, tzinfo=CST)
        pledge = _granted(pki, _pledge(_authorisation(), signed_at=at))
        assert validate(sign(pledge, proxy), trust).passed


@pytest.mark.parametrize(
    ("label", "changes", "signed_at"),
    [
        ("another matter", {"matter_code": "M-9999"}, SIGNED_AT),
        ("other proofs", {"entry_ids": ("E-000",)}, SIGNED_AT),
        ("other proofs entirely", {"entry_ids": ("E-777",)}, SIGNED_AT),
        ("expired", {"valid_to": date(2026, 1, 4)}, SIGNED_AT),
        ("not yet valid", {"valid_from": date(2026, 1, 6)}, SIGNED_AT),
        ("general power of attorney", {"express_pledge_authority": False}, SIGNED_AT),
    ],
)
def test_r024_proxy_authorisation_not_covering_this_pledge_is_refused_by_the_verifier(
    pki: TestPKI,
    trust: TrustStore,
    label: str,
    changes: dict[str, Any],
    signed_at: datetime,
) -> None:
    """Before the fix the policy checked only ``express_pledge_authority``: an
    authorisation for another matter, other proofs or an expired one let the proxy's
    signature read as the pledgor's (TOTAL_PASSED)."""
    proxy = pki.applicant("李* 代为承诺人", PROXY_ID)
    pledge = _granted(pki, _pledge(_authorisation(**changes), signed_at=signed_at))
    _refused(validate(sign(pledge, proxy), trust))


def test_r024_authorisation_granted_by_someone_else_does_not_even_parse() -> None:
    with pytest.raises(ValidationError):
        _pledge(_authorisation(grantor_id_number=OTHER_ID))


def test_r024_gaozhi_verify_refuses_an_expired_proxy_authorisation(
    pki: TestPKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy = pki.applicant("李* 代为承诺人", PROXY_ID)
    good = tmp_path / "good.bundle.json"
    good.write_bytes(sign(_granted(pki, _pledge(_authorisation())), proxy).to_json())
    bad = tmp_path / "expired.bundle.json"
    expired = _granted(pki, _pledge(_authorisation(valid_to=date(2026, 1, 4))))
    bad.write_bytes(sign(expired, proxy).to_json())
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem())
    assert main(["verify", str(good), "--trust", str(root)]) == 0
    capsys.readouterr()
    assert main(["verify", str(bad), "--trust", str(root), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)[0]["report"]
    assert report["indication"] == "TOTAL_FAILED"
    assert report["sub_indication"] == "SIGNER_NOT_AUTHORISED"
