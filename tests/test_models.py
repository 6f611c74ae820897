"""Domain models (DOMAIN §2): strictness, schemas, PII masking and consistency rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gaozhi_sdk.ids import mask_identifier
from gaozhi_sdk.models import (
    CST,
    DEFAULT_PLEDGE_CLAUSES,
    ENTITY_MODELS,
    Actor,
    AdministrativeOrgan,
    Applicant,
    AssistanceRequest,
    Case,
    CommitmentList,
    CommitmentListEntry,
    Complaint,
    CreditRecord,
    CreditRepairApplication,
    CreditSnapshot,
    CreditSnapshotItem,
    DailySupervision,
    Disposition,
    GaozhiModel,
    InspectionDraw,
    Notice,
    NoticeItem,
    Objection,
    Pledge,
    PledgeItem,
    PledgeTemplate,
    Proxy,
    PublicityPeriod,
    SpecialAuthorization,
    Verification,
    VerificationFinding,
    VerificationPlanSpec,
    VerificationWindow,
    Withdrawal,
)
from gaozhi_sdk.models.enums import CommitmentMethod, MatterType, ObjectionOutcome, OrganKind

CJK = re.compile(r"[\u4e00-\u9fff]")
T0 = datetime(2025, 3, 3, 9, 30, tzinfo=CST)

# Identifiers built from the DOMAIN §5 worked examples (valid checksums, no real people).
CITIZEN_ID = "11010519491231002X"
CITIZEN_ID_2 = "513101198201130014"
FIRM_USCC = "91350100M000100Y43"
PHONE = "13812345678"
NAME = "张伟强"


def _uscc(body17: str) -> str:
    from gaozhi_sdk.ids import uscc_check_char

    return body17 + uscc_check_char(body17)


ORGAN_USCC = _uscc("11411203MB0123456")


# --- valid keyword arguments for every entity model -------------------------------------------


def applicant_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "party_type": "CITIZEN",
        "name": NAME,
        "id_type": "RESIDENT_ID",
        "id_number": CITIZEN_ID,
        "contact": PHONE,
        "address": "三门峡市陕州区东街1号",
    }
    return {**base, **over}


def authorization_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "authorization_id": "SQ-2025-001",
        "grantor_id_number": CITIZEN_ID,
        "matter_code": "M-HJ-1",
        "entry_ids": ("E-1",),
        "valid_from": date(2025, 3, 1),
        "valid_to": date(2025, 6, 1),
        "express_pledge_authority": True,
        "document_ref": "DOC-1",
    }
    return {**base, **over}


def proxy_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "party": Applicant(
            **applicant_kwargs(name="李娜", id_number=CITIZEN_ID_2, contact="13900001111")
        ),
        "authorization": SpecialAuthorization(**authorization_kwargs()),
    }
    return {**base, **over}


def entry_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "entry_id": "E-1",
        "seq_no": 1,
        "implementing_organ": "三门峡市陕州区公安局",
        "matter_name": "户口迁入",
        "matter_code": "M-HJ-1",
        "matter_type": "CONFIRMATION",
        "proof_name": "亲属关系证明",
        "proof_content": "申请人与被投靠人为夫妻关系。",
        "verification": VerificationPlanSpec(method="ONLINE", window=VerificationWindow(amount=10)),
        "proxy_allowed": True,
        "liability_text": "承诺不实的，依法撤销行政决定。",
    }
    return {**base, **over}


def notice_item() -> NoticeItem:
    return NoticeItem(
        entry_id="E-1",
        entry_version=1,
        matter_name="户口迁入",
        legal_basis=("户口登记条例",),
        proof_name="亲属关系证明",
        proof_obligation="证明夫妻关系",
        proof_content="夫妻关系",
        commitment_method="ELECTRONIC_SIGNATURE",
        liability="依法撤销",
        verification_power="在线核查",
        cooperation_duty="如实配合",
        credit_consequence="记入信用记录",
        disclosure="NONE",
        disclosure_notice="不公开",
        verification_method="ONLINE",
        proxy_allowed=True,
        pledge_clauses=("本人已知晓告知的全部内容。",),
    )


def pledge_item() -> PledgeItem:
    return PledgeItem(
        entry_id="E-1",
        entry_version=1,
        proof_name="亲属关系证明",
        proof_content="夫妻关系",
        clauses=("本人已知晓告知的全部内容。",),
    )


def pledge_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "pledge_id": "P-1",
        "case_no": "C-1",
        "notice_id": "N-1",
        "notice_hash": "a" * 64,
        "matter_code": "M-HJ-1",
        "organ_uscc": ORGAN_USCC,
        "pledgor": Applicant(**applicant_kwargs()),
        "items": (pledge_item(),),
        "acknowledged_notice": True,
        "signed_at": T0,
    }
    return {**base, **over}


def disposition_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "disposition_id": "D-1",
        "case_no": "C-1",
        "verification_id": "V-1",
        "organ_uscc": ORGAN_USCC,
        "actions": ("TERMINATE",),
        "decided_at": T0,
    }
    return {**base, **over}


def assistance_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "assistance_id": "A-1",
        "verification_id": "V-1",
        "requesting_organ": ORGAN_USCC,
        "requested_organ": "户籍地派出所",
        "question": "请核实申请人与被投靠人是否为夫妻关系",
        "sent_at": T0,
        "due_at": datetime(2025, 3, 10, 17, 0, tzinfo=CST),
    }
    return {**base, **over}


def repair_kwargs(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "application_id": "R-1",
        "record_id": "CR-1",
        "submitted_on": date(2025, 9, 1),
        "obligations_fulfilled_ref": "履行完毕证明-1",
        "credit_commitment_ref": "信用承诺书-1",
    }
    return {**base, **over}


def publicity() -> PublicityPeriod:
    return PublicityPeriod(
        regime_id="2025",
        start=date(2025, 3, 5),
        min_end=date(2025, 6, 5),
        max_end=date(2026, 3, 5),
        published=True,
    )


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "AdministrativeOrgan": lambda: {
        "name": "三门峡市陕州区公安局",
        "uscc": ORGAN_USCC,
        "region_code": "411203",
    },
    "Applicant": applicant_kwargs,
    "SpecialAuthorization": authorization_kwargs,
    "Proxy": proxy_kwargs,
    "AuthorizationGrant": lambda: {
        "authorization_id": "SQ-1",
        "grantor": Applicant(**applicant_kwargs()),
        "proxy": Applicant(
            **applicant_kwargs(name="李娜", id_number=CITIZEN_ID_2, contact="13900001111")
        ),
        "case_no": "CASE-1",
        "notice_id": "N-1",
        "matter_code": "M-1",
        "entry_ids": ("E-1",),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 3, 1),
        "express_pledge_authority": True,
        "granted_at": datetime(2026, 1, 2, 9, 0, tzinfo=CST),
    },
    "Actor": lambda: {
        "role": "WINDOW_CLERK",
        "actor_id": CITIZEN_ID_2,
        "organ_uscc": ORGAN_USCC,
        "display_name": "王芳",
    },
    "CreditSnapshot": lambda: {
        "subject_digest": "b" * 64,
        "taken_at": date(2025, 3, 1),
        "source": "本地诚信档案",
        "items": (
            CreditSnapshotItem(
                record_id="CR-0",
                conduct="FALSE_PLEDGE",
                severity="MINOR",
                status="REPAIRED",
                recorded_on=date(2023, 1, 1),
            ),
        ),
    },
    "CommitmentList": lambda: {
        "list_id": "L-1",
        "owner_organ": "三门峡市陕州区公安局",
        "entries": (
            CommitmentListEntry(**entry_kwargs()),
            CommitmentListEntry(**entry_kwargs(entry_id="E-2", seq_no=2)),
        ),
    },
    "CommitmentListEntry": entry_kwargs,
    "PledgeTemplate": lambda: {
        "template_id": "T-1",
        "entry_id": "E-1",
        "entry_version": 1,
        "proof_obligation": "证明夫妻关系",
        "proof_content": "夫妻关系",
        "liability": "依法撤销",
        "verification_power": "在线核查",
        "cooperation_duty": "如实配合",
        "credit_consequence": "记入信用记录",
        "disclosure_notice": "不公开",
    },
    "Notice": lambda: {
        "notice_id": "N-1",
        "case_no": "C-1",
        "organ_name": "三门峡市陕州区公安局",
        "organ_uscc": ORGAN_USCC,
        "applicant_digest": "c" * 64,
        "applicant_masked": mask_identifier(CITIZEN_ID),
        "channel": "ONLINE",
        "issued_at": T0,
        "items": (notice_item(),),
    },
    "Pledge": pledge_kwargs,
    "Case": lambda: {
        "case_no": "C-1",
        "organ_uscc": ORGAN_USCC,
        "list_id": "L-1",
        "list_version": 1,
        "matter_code": "M-HJ-1",
        "applicant": Applicant(**applicant_kwargs()),
        "entry_ids": ("E-1",),
        "status": "PLEDGED",
        "created_at": T0,
    },
    "Withdrawal": lambda: {"withdrawn_at": T0, "reason": "已取得原件, 改为提交证明"},
    "Verification": lambda: {
        "verification_id": "V-1",
        "case_no": "C-1",
        "entry_id": "E-1",
        "method": "ONLINE",
        "planned_method": "ONLINE",
        "phase": "IN_PROCESS",
        "status": "SCHEDULED",
    },
    "VerificationFinding": lambda: {
        "verification_id": "V-1",
        "case_no": "C-1",
        "entry_id": "E-1",
        "method": "ONLINE",
        "result": "FALSE",
        "concluded_at": T0,
        "inspector": "GH-001",
        "organ_uscc": ORGAN_USCC,
    },
    "AssistanceRequest": assistance_kwargs,
    "DailySupervision": lambda: {
        "batch_id": "B-1",
        "mode": "DOUBLE_RANDOM",
        "verification_id": "V-1",
        "inspector": "GH-001",
        "adverse_finding": False,
    },
    "InspectionDraw": lambda: {
        "draw_id": "D-1",
        "organ_uscc": ORGAN_USCC,
        "seed": "0123456789abcdef",
        "drawn_at": T0,
        "population": ("V-1", "V-2"),
        "inspectors": ("GH-001", "GH-002"),
        "rate_percent": 50,
        "selected": ("V-2",),
        "assignments": (("V-2", "GH-001"),),
    },
    "Disposition": disposition_kwargs,
    "CreditRecord": lambda: {
        "record_id": "CR-1",
        "subject_digest": "d" * 64,
        "subject_masked": mask_identifier(CITIZEN_ID),
        "subject_is_legal_person": False,
        "conduct": "FALSE_PLEDGE",
        "severity": "GENERAL",
        "case_no": "C-1",
        "disposition_id": "D-1",
        "recorded_on": date(2025, 3, 5),
        "organ_uscc": ORGAN_USCC,
        "status": "RECORDED",
        "publicity": publicity(),
    },
    "CreditRepairApplication": repair_kwargs,
    "Objection": lambda: {
        "objection_id": "O-1",
        "record_id": "CR-1",
        "submitted_on": date(2025, 4, 1),
        "grounds": "认定事实有误",
    },
    "Complaint": lambda: {
        "complaint_id": "CP-1",
        "received_at": T0,
        "channel": "12345 热线",
        "subject_ref": "P-1",
        "content": "承诺内容与事实不符",
        "status": "RECEIVED",
    },
    "ConfidentialityMark": lambda: {
        "mark_id": "MK-1",
        "pledge_id": "P-1",
        "entry_id": "E-1",
        "part": "CLAUSE",
        "clause_index": 0,
        "ground": "TRADE_SECRET",
        "reason": "载明生产工艺参数",
        "marked_by": "APPLICANT",
        "marked_at": T0,
    },
    "ImpactAssessment": lambda: {
        "assessment_id": "PIA-1",
        "organ_uscc": ORGAN_USCC,
        "entry_id": "E-1",
        "decided_by": "LS0001",
        "scope": "脱敏公开告知承诺书",
        "purpose": "接受社会监督 (R-071)",
        "risks": ["姓氏可能识别个人"],
        "measures": ["脱敏 (R-092)"],
        "assessed_on": date(2025, 3, 5),
        "retain_until": date(2028, 3, 5),
    },
}

MODEL_NAMES = sorted(ENTITY_MODELS)


def test_every_entity_model_has_a_sample() -> None:
    """Adding an entity model without a sample here must fail loudly."""
    assert set(SAMPLES) == set(ENTITY_MODELS)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_sample_is_valid(name: str) -> None:
    model = ENTITY_MODELS[name](**SAMPLES[name]())
    assert isinstance(model, GaozhiModel)
    # Round trip through JSON gives the same model (signed payloads are parsed back, DESIGN §4).
    assert type(model).model_validate_json(model.model_dump_json()) == model


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_rejects_extra_fields(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        ENTITY_MODELS[name](**{**SAMPLES[name](), "unexpected_field": "x"})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_is_frozen(name: str) -> None:
    model = ENTITY_MODELS[name](**SAMPLES[name]())
    field = next(iter(type(model).model_fields))
    with pytest.raises(ValidationError) as info:
        setattr(model, field, getattr(model, field))
    assert info.value.errors()[0]["type"] == "frozen_instance"


# --- JSON Schema: generation, Chinese descriptions, JCS safety --------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _schema_models(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield schema.get("title", "?"), schema
    for name, sub in schema.get("$defs", {}).items():
        if "properties" in sub:
            yield name, sub


@pytest.mark.parametrize("mode", ["validation", "serialization"])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_r031_json_schema_every_field_has_chinese_description(name: str, mode: str) -> None:
    schema = ENTITY_MODELS[name].model_json_schema(mode=mode)  # type: ignore[arg-type]
    checked = 0
    for model_name, sub in _schema_models(schema):
        for field, prop in sub["properties"].items():
            desc = prop.get("description")
            assert desc, f"{model_name}.{field} has no description"
            assert CJK.search(desc), f"{model_name}.{field} description has no Chinese: {desc!r}"
            checked += 1
    assert checked >= len(ENTITY_MODELS[name].model_fields)


def _all_model_classes() -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = list(ENTITY_MODELS.values())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for info in cls.model_fields.values():
            for arg in _type_leaves(info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    todo.append(arg)
    return seen


def _type_leaves(tp: Any) -> Iterator[Any]:
    args = getattr(tp, "__args__", None)
    if args:
        for a in args:
            yield from _type_leaves(a)
    else:
        yield tp


def test_every_field_of_every_nested_model_has_chinese_description() -> None:
    classes = _all_model_classes()
    assert {NoticeItem, PledgeItem, PublicityPeriod, VerificationPlanSpec} <= classes
    for cls in classes:
        for field, info in cls.model_fields.items():
            assert info.description and CJK.search(info.description), f"{cls.__name__}.{field}"


@pytest.mark.parametrize("mode", ["validation", "serialization"])
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_jcs_safety_no_number_type_in_schema(name: str, mode: str) -> None:
    """DESIGN §4: no float anywhere in a model — amounts are decimal strings."""
    schema = ENTITY_MODELS[name].model_json_schema(mode=mode)  # type: ignore[arg-type]
    for node in _walk(schema):
        t = node.get("type")
        assert t != "number" and not (isinstance(t, list) and "number" in t), node


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_jcs_safety_integers_beyond_2_pow_53_rejected(name: str) -> None:
    """Every int field of every model rejects 2^53 (not JCS-representable)."""
    cls = ENTITY_MODELS[name]
    for field, info in cls.model_fields.items():
        if int not in set(_type_leaves(info.annotation)):
            continue
        for bad in (2**53, -(2**53)):
            with pytest.raises(ValidationError):
                cls(**{**SAMPLES[name](), field: bad})


def test_jcs_safety_largest_safe_integer_accepted() -> None:
    v = Verification(**{**SAMPLES["Verification"](), "attempts": 2**53 - 1})
    assert v.attempts == 2**53 - 1


# --- Applicant: normalisation and identity rules ------------------------------------------


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２ｘ"]
)
def test_applicant_normalises_id_number(raw: str) -> None:
    assert Applicant(**applicant_kwargs(id_number=raw)).id_number == CITIZEN_ID


def test_applicant_legal_person_uscc_normalised() -> None:
    a = Applicant(
        **applicant_kwargs(
            party_type="LEGAL_PERSON",
            id_type="USCC",
            id_number="91350100m000100y43",
            name="某某有限公司",
        )
    )
    assert a.id_number == FIRM_USCC
    assert not a.is_natural_person


@pytest.mark.parametrize(
    "bad",
    ["110105194902310026", "11010519491231002Y", "110105491231002", "91350100M000100Y43"],
)
def test_applicant_rejects_bad_resident_id(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Applicant(**applicant_kwargs(id_number=bad))
    text = str(info.value)
    assert "GZ-ID-" in text
    # PIPL: the error text does not echo the identifier, the name or the phone.
    for secret in (bad, NAME, PHONE):
        assert secret not in text


@pytest.mark.parametrize("last", ["id_number", "name", "contact"])
def test_r092_validation_errors_do_not_echo_input(last: str) -> None:
    """pydantic prints the tail of the input dict in errors unless inputs are hidden."""
    kwargs = applicant_kwargs(id_number="110105194902310026")
    del kwargs["address"]
    kwargs[last] = kwargs.pop(last)  # move the secret to the end of the input
    with pytest.raises(ValidationError) as info:
        Applicant(**kwargs)
    for text in (str(info.value), repr(info.value)):
        for secret in ("110105194902310026", NAME, PHONE):
            assert secret not in text


def test_applicant_citizen_with_uscc_rejected() -> None:
    with pytest.raises(ValidationError):
        Applicant(**applicant_kwargs(id_type="USCC", id_number=FIRM_USCC))


def test_applicant_other_id_type_requires_non_empty() -> None:
    assert Applicant(**applicant_kwargs(id_type="OTHER", id_number="E12345678")).id_number
    with pytest.raises(ValidationError):
        Applicant(**applicant_kwargs(id_type="OTHER", id_number="   "))


def test_administrative_organ_validates_uscc() -> None:
    with pytest.raises(ValidationError):
        AdministrativeOrgan(**{**SAMPLES["AdministrativeOrgan"](), "uscc": "91350100M000100Y42"})


# --- PII masking in repr / str (R-091, R-092) --------------------------------------------------

PII_SECRETS = (CITIZEN_ID, CITIZEN_ID_2, NAME, "李娜", "王芳", PHONE, "13900001111")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Applicant(**applicant_kwargs()),
        lambda: Proxy(**proxy_kwargs()),
        lambda: Pledge(**pledge_kwargs(proxy=Proxy(**proxy_kwargs()))),
        lambda: Actor(**SAMPLES["Actor"]()),
        lambda: Case(**SAMPLES["Case"]()),
    ],
    ids=["Applicant", "Proxy", "Pledge", "Actor", "Case"],
)
def test_r092_repr_and_str_mask_personal_data(build: Callable[[], BaseModel]) -> None:
    model = build()
    for text in (repr(model), str(model), f"{model}", f"{model!r}"):
        for secret in PII_SECRETS:
            assert secret not in text, f"{secret!r} leaked"
        assert "*" in text  # the masked forms are there, not just absent


def test_r092_masked_forms_in_repr() -> None:
    text = repr(Applicant(**applicant_kwargs()))
    assert mask_identifier(CITIZEN_ID) in text
    assert "*******5678" in text
    assert "张**" in text


# --- Disposition (R-051…R-054) ---------------------------------------------------------------


def test_r051_order_rectification_requires_due_date() -> None:
    with pytest.raises(ValidationError, match="R-051"):
        Disposition(**disposition_kwargs(actions=("ORDER_RECTIFICATION",)))
    d = Disposition(
        **disposition_kwargs(actions=("ORDER_RECTIFICATION",), rectification_due=date(2025, 4, 1))
    )
    assert d.rectification_due == date(2025, 4, 1)


def test_r053_admin_penalty_requires_penalty_ref() -> None:
    for ref in (None, "", "   "):
        with pytest.raises(ValidationError, match="R-053"):
            Disposition(**disposition_kwargs(actions=("ADMIN_PENALTY",), penalty_ref=ref))
    ok = disposition_kwargs(actions=("ADMIN_PENALTY",), penalty_ref="陕罚〔2025〕1号")
    assert Disposition(**ok).penalty_ref == "陕罚〔2025〕1号"


def test_r054_refer_judicial_requires_referral_ref() -> None:
    with pytest.raises(ValidationError, match="R-054"):
        Disposition(**disposition_kwargs(actions=("REFER_JUDICIAL",)))
    assert Disposition(**disposition_kwargs(actions=("REFER_JUDICIAL",), referral_ref="移送-1"))


def test_r052_terminate_and_revoke_decision_exclusive() -> None:
    with pytest.raises(ValidationError):
        Disposition(**disposition_kwargs(actions=("TERMINATE", "REVOKE_DECISION")))
    assert Disposition(
        **disposition_kwargs(
            actions=("REVOKE_DECISION", "ADMIN_PENALTY"), penalty_ref="陕罚〔2025〕1号"
        )
    )


def test_disposition_duplicate_or_empty_actions_rejected() -> None:
    with pytest.raises(ValidationError):
        Disposition(**disposition_kwargs(actions=("TERMINATE", "TERMINATE")))
    with pytest.raises(ValidationError):
        Disposition(**disposition_kwargs(actions=()))


# --- AssistanceRequest, credit repair, special authorisation ----------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_r047_refused_assistance_requires_written_reason(reason: str | None) -> None:
    with pytest.raises(ValidationError, match="R-047"):
        AssistanceRequest(**assistance_kwargs(reply="REFUSED", refusal_reason=reason))


def test_r047_refused_assistance_with_reason_accepted() -> None:
    a = AssistanceRequest(**assistance_kwargs(reply="REFUSED", refusal_reason="档案已移交"))
    assert a.refusal_reason == "档案已移交"
    assert AssistanceRequest(**assistance_kwargs(reply="CONFIRMED")).refusal_reason is None


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_credit_repair_rejected_requires_reason(reason: str | None) -> None:
    with pytest.raises(ValidationError):
        CreditRepairApplication(**repair_kwargs(decision="REJECTED", decision_reason=reason))


def test_credit_repair_decisions_accepted() -> None:
    assert CreditRepairApplication(
        **repair_kwargs(decision="REJECTED", decision_reason="未满最短公示期")
    )
    assert CreditRepairApplication(**repair_kwargs(decision="REPAIRED")).decision_reason is None


def test_r024_special_authorization_dates() -> None:
    with pytest.raises(ValidationError):
        SpecialAuthorization(**authorization_kwargs(valid_to=date(2025, 2, 28)))
    same_day = authorization_kwargs(valid_to=date(2025, 3, 1))
    assert SpecialAuthorization(**same_day).valid_to == date(2025, 3, 1)


def test_r024_special_authorization_needs_an_entry() -> None:
    with pytest.raises(ValidationError):
        SpecialAuthorization(**authorization_kwargs(entry_ids=()))


# --- CommitmentList (R-008) ------------------------------------------------------------------


def test_commitment_list_duplicate_entry_ids_rejected() -> None:
    with pytest.raises(ValidationError, match="条目编号重复"):
        CommitmentList(
            list_id="L-1",
            owner_organ="公安局",
            entries=(
                CommitmentListEntry(**entry_kwargs()),
                CommitmentListEntry(**entry_kwargs(seq_no=2)),
            ),
        )


def test_commitment_list_duplicate_seq_numbers_rejected() -> None:
    with pytest.raises(ValidationError, match="序号重复"):
        CommitmentList(
            list_id="L-1",
            owner_organ="公安局",
            entries=(
                CommitmentListEntry(**entry_kwargs()),
                CommitmentListEntry(**entry_kwargs(entry_id="E-2")),
            ),
        )


def test_commitment_list_effective_dates_ordered() -> None:
    with pytest.raises(ValidationError):
        CommitmentList(
            list_id="L-1",
            owner_organ="公安局",
            effective_from=date(2025, 5, 1),
            effective_to=date(2025, 4, 1),
        )


def test_commitment_list_entry_lookup() -> None:
    lst = CommitmentList(**SAMPLES["CommitmentList"]())
    assert lst.entry("E-2").seq_no == 2
    with pytest.raises(KeyError):
        lst.entry("E-9")


# --- Pledge (R-001, R-024) ----------------------------------------------------------------


def test_r001_pledge_requires_acknowledged_notice() -> None:
    with pytest.raises(ValidationError):
        Pledge(**pledge_kwargs(acknowledged_notice=False))


def test_r024_pledge_proxy_grantor_must_be_pledgor() -> None:
    other = SpecialAuthorization(**authorization_kwargs(grantor_id_number=CITIZEN_ID_2))
    with pytest.raises(ValidationError):
        Pledge(**pledge_kwargs(proxy=Proxy(**proxy_kwargs(authorization=other))))
    ok = Pledge(**pledge_kwargs(proxy=Proxy(**proxy_kwargs())))
    assert ok.proxy is not None
    assert ok.proxy.authorization.grantor_id_number == ok.pledgor.id_number


def test_pledge_requires_items_and_hex_notice_hash() -> None:
    with pytest.raises(ValidationError):
        Pledge(**pledge_kwargs(items=()))
    with pytest.raises(ValidationError):
        Pledge(**pledge_kwargs(notice_hash="A" * 64))


def test_aware_datetimes_required() -> None:
    with pytest.raises(ValidationError):
        Pledge(**pledge_kwargs(signed_at=datetime(2025, 3, 3, 9, 30)))


def test_other_models_construct() -> None:
    """Smoke-use the remaining imported models so a renamed export fails here."""
    for cls in (
        Complaint,
        CreditRecord,
        CreditSnapshot,
        DailySupervision,
        InspectionDraw,
        Notice,
        Objection,
        PledgeTemplate,
        VerificationFinding,
        Withdrawal,
    ):
        assert cls(**SAMPLES[cls.__name__]())


# --- rules that shape the models (R-002, R-028, R-032, R-057) -----------------------------


def test_r002_organ_kinds_and_matter_types() -> None:
    """行政机关及法律法规授权的组织; 许可、确认、给付及其他依申请事项."""
    kwargs = SAMPLES["AdministrativeOrgan"]()
    assert AdministrativeOrgan(**kwargs).organ_kind is OrganKind.ADMIN_ORGAN
    authorised = AdministrativeOrgan(**kwargs, organ_kind="AUTHORIZED_ORGANIZATION")
    assert authorised.organ_kind is OrganKind.AUTHORIZED_ORGANIZATION
    with pytest.raises(ValidationError):
        AdministrativeOrgan(**kwargs, organ_kind="ENTERPRISE")
    assert {m.value for m in MatterType} == {
        "LICENSING",
        "CONFIRMATION",
        "BENEFIT",
        "OTHER_ON_APPLICATION",
    }


@pytest.mark.parametrize(
    "field", ["proof_obligation", "proof_content", "commitment_method", "liability"]
)
def test_r032_notice_item_must_state_obligation_content_method_and_liability(field: str) -> None:
    data = notice_item().model_dump()
    del data[field]
    with pytest.raises(ValidationError):
        NoticeItem(**data)


@pytest.mark.parametrize(
    "field", ["proof_obligation", "proof_content", "liability", "verification_power"]
)
def test_r032_pledge_template_told_items_not_empty(field: str) -> None:
    with pytest.raises(ValidationError):
        PledgeTemplate(**{**SAMPLES["PledgeTemplate"](), field: "  "})


def test_r028_pledge_template_default_clauses_and_no_empty_clause_list() -> None:
    template = PledgeTemplate(**SAMPLES["PledgeTemplate"]())
    assert template.pledge_clauses == DEFAULT_PLEDGE_CLAUSES
    assert template.commitment_method is CommitmentMethod.ELECTRONIC_SIGNATURE
    with pytest.raises(ValidationError):
        PledgeTemplate(**SAMPLES["PledgeTemplate"](), pledge_clauses=())


def test_r057_objection_requires_grounds_and_known_outcome() -> None:
    with pytest.raises(ValidationError):
        Objection(**{**SAMPLES["Objection"](), "grounds": " "})
    with pytest.raises(ValidationError):
        Objection(**SAMPLES["Objection"](), outcome="IGNORED")
    done = Objection(**SAMPLES["Objection"](), outcome="CORRECTED", outcome_reason="已更正")
    assert done.outcome is ObjectionOutcome.CORRECTED


def test_r033_default_pledge_clauses_cover_the_exam_pledge_items() -> None:
    """R-033: the default pledge clauses state, in order, that the pledgor knows what was told,
    meets the conditions, filled in true information, accepts verification and the legal
    liability — the exam-registration pledge items, generalised."""
    from gaozhi_sdk.models import DEFAULT_PLEDGE_CLAUSES

    text = "".join(DEFAULT_PLEDGE_CLAUSES)
    for phrase in ("已知晓", "已符合", "真实", "接受行政机关的核查", "法律责任"):
        assert phrase in text, phrase
    positions = [text.index(p) for p in ("已知晓", "已符合", "真实", "接受行政机关的核查")]
    assert positions == sorted(positions)
