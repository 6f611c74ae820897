"""Canonical JSON (RFC 8785 / JCS) — DESIGN §4: signed payloads are the JCS bytes of a model.

The reference is always ``rfc8785.dumps`` itself, never ``canonical_bytes`` (which has its
own ``json.dumps`` fast path): comparing two fast paths with each other would prove nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaozhi_sdk.canonical import canonical_bytes, digest_json, model_bytes, sha256_hex
from gaozhi_sdk.errors import GaozhiError, ModelValidationError
from gaozhi_sdk.ids import mask_identifier, resident_id_check_char, uscc_check_char
from gaozhi_sdk.models import (
    CST,
    Applicant,
    CreditRecord,
    Disposition,
    DispositionAction,
    Evidence,
    GaozhiModel,
    InspectionDraw,
    Notice,
    NoticeItem,
    Pledge,
    PledgeItem,
    Proxy,
    PublicityPeriod,
    SpecialAuthorization,
    VerificationFinding,
)
from gaozhi_sdk.models.enums import (
    CommitmentMethod,
    Conduct,
    CreditStatus,
    DisclosurePolicy,
    IdType,
    NoticeChannel,
    OnlineOutcome,
    PartyType,
    Severity,
    SupervisionMode,
    VerificationMethod,
    VerificationResult,
)
from gaozhi_sdk.models.parties import AUTHORIZATION_ID_PATTERN

PROPS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_SAFE = 2**53 - 1
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# --- strategies ---------------------------------------------------------------------------

SPECIAL = [
    "告知承诺书",
    "😀",
    "👨\u200d👩\u200d👧",
    "\u2028",
    "\u2029",
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x80",
    "\b\f\n\r\t",
    '"\\/',
    "\ufeff",
    "e\u0301",
    "\U0010ffff",
    "\ufffd",
    "</script>&<",
    "𠀀𪚥",
    "①②",
    "ｘ",
]
fragments = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=6))
texts = st.one_of(
    st.text(max_size=30),
    st.lists(fragments, max_size=8).map("".join),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(SPECIAL) | st.text(min_size=1, max_size=4),
        st.integers(200, 1500),
    ),  # long strings
)
nonempty = texts.map(lambda s: "号" + s)  # survives str_strip_whitespace + min_length=1
opt_text = st.none() | texts
safe_ints = st.one_of(st.integers(1, 100), st.integers(1, MAX_SAFE), st.just(MAX_SAFE))
zones = st.sampled_from(
    [CST, UTC, timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(hours=14))]
)
aware = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones
)
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 1, 1))
hex64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)

resident_ids = st.builds(
    lambda region, born, seq: (b := f"{region}{born:%Y%m%d}{seq}") + resident_id_check_char(b),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31)),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
usccs = st.builds(
    lambda head, region, tail: (b := head + region + tail) + uscc_check_char(b),
    st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9),
)
citizens = st.builds(
    Applicant,
    party_type=st.just(PartyType.CITIZEN),
    name=nonempty,
    id_type=st.just(IdType.RESIDENT_ID),
    id_number=resident_ids,
    contact=opt_text,
    address=opt_text,
)
organisations = st.builds(
    Applicant,
    party_type=st.sampled_from([PartyType.LEGAL_PERSON, PartyType.OTHER_ORG]),
    name=nonempty,
    id_type=st.just(IdType.USCC),
    id_number=usccs,
    contact=opt_text,
    address=opt_text,
)
applicants = citizens | organisations


def tuples_of(s: st.SearchStrategy[Any], lo: int = 0) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(s, min_size=lo, max_size=3).map(tuple)


notice_items = st.builds(
    NoticeItem,
    entry_id=texts,
    entry_version=safe_ints,
    matter_name=texts,
    legal_basis=tuples_of(texts),
    proof_name=texts,
    proof_obligation=texts,
    proof_content=texts,
    commitment_method=st.sampled_from(CommitmentMethod),
    liability=texts,
    verification_power=texts,
    cooperation_duty=texts,
    credit_consequence=texts,
    disclosure=st.sampled_from(DisclosurePolicy),
    disclosure_notice=texts,
    verification_method=texts,
    proxy_allowed=st.booleans(),
    pledge_clauses=tuples_of(texts),
)
notices = st.builds(
    Notice,
    notice_id=nonempty,
    case_no=nonempty,
    organ_name=texts,
    organ_uscc=usccs,
    applicant_digest=hex64,
    applicant_masked=resident_ids.map(mask_identifier),
    channel=st.sampled_from(NoticeChannel),
    issued_at=aware,
    items=tuples_of(notice_items, 1),
)
pledge_items = st.builds(
    PledgeItem,
    entry_id=texts,
    entry_version=safe_ints,
    proof_name=texts,
    proof_content=texts,
    clauses=tuples_of(texts, 1),
)


@st.composite
def pledges(draw: st.DrawFn) -> Pledge:
    pledgor = draw(applicants)
    proxy = None
    if draw(st.booleans()):
        start = draw(dates)
        proxy = Proxy(
            party=draw(citizens),
            authorization=SpecialAuthorization(
                # the one number format (AUTHORIZATION_ID_PATTERN)
                authorization_id=draw(st.from_regex(AUTHORIZATION_ID_PATTERN, fullmatch=True)),
                grantor_id_number=pledgor.id_number,
                matter_code=draw(nonempty),
                entry_ids=draw(tuples_of(texts, 1)),
                valid_from=start,
                valid_to=start + timedelta(days=draw(st.integers(0, 400))),
                express_pledge_authority=True,
                document_ref=draw(nonempty),
            ),
        )
    return Pledge(
        pledge_id=draw(nonempty),
        case_no=draw(nonempty),
        notice_id=draw(texts),
        notice_hash=draw(hex64),
        matter_code=draw(texts),
        organ_uscc=draw(usccs),
        pledgor=pledgor,
        proxy=proxy,
        items=draw(tuples_of(pledge_items, 1)),
        acknowledged_notice=True,
        signed_at=draw(aware),
        signer_statement=draw(texts),
    )


evidence = st.builds(Evidence, kind=texts, ref=texts, note=texts)
findings = st.builds(
    VerificationFinding,
    verification_id=texts,
    case_no=texts,
    entry_id=texts,
    method=st.sampled_from(VerificationMethod),
    result=st.sampled_from(VerificationResult),
    online_outcome=st.none() | st.sampled_from(OnlineOutcome),
    concluded_at=aware,
    inspector=texts,
    organ_uscc=usccs,
    evidence=tuples_of(evidence),
)
actions = st.lists(st.sampled_from(DispositionAction), min_size=1, max_size=5, unique=True).filter(
    lambda a: not {DispositionAction.TERMINATE, DispositionAction.REVOKE_DECISION} <= set(a)
)
dispositions = st.builds(
    Disposition,
    disposition_id=nonempty,
    case_no=texts,
    verification_id=texts,
    actions=actions.map(tuple),
    rectification_due=dates,
    penalty_ref=nonempty,
    repair_notice_ref=opt_text,
    referral_ref=nonempty,
    decided_at=aware,
    credit_record_id=opt_text,
    social_impact=texts,
)
credit_records = st.builds(
    CreditRecord,
    record_id=nonempty,
    subject_digest=hex64,
    subject_masked=resident_ids.map(mask_identifier),
    subject_is_legal_person=st.booleans(),
    subject_name_public=opt_text,
    conduct=st.sampled_from(Conduct),
    severity=st.sampled_from(Severity),
    social_impact=texts,
    case_no=texts,
    disposition_id=texts,
    recorded_on=dates,
    organ_uscc=usccs,
    status=st.sampled_from(CreditStatus),
    publicity=st.builds(
        PublicityPeriod,
        regime_id=texts,
        start=dates,
        min_end=dates,
        max_end=st.none() | dates,
        published=st.booleans(),
    ),
    pushed_to=tuples_of(texts),
)
draws = st.builds(
    InspectionDraw,
    draw_id=nonempty,
    organ_uscc=usccs,
    mode=st.sampled_from(SupervisionMode),
    seed=st.from_regex(r"\A[0-9a-f]{16,128}\Z"),
    drawn_at=aware,
    population=tuples_of(texts),
    inspectors=tuples_of(texts),
    rate_percent=st.integers(1, 100),
    selected=tuples_of(texts),
    assignments=tuples_of(st.tuples(texts, texts)),
    algorithm=texts,
)

SIGNED_MODELS = {
    "Notice": notices,
    "Pledge": pledges(),
    "VerificationFinding": findings,
    "Disposition": dispositions,
    "CreditRecord": credit_records,
    "InspectionDraw": draws,
}


def _assert_jcs(model: GaozhiModel) -> None:
    data = model.model_dump(mode="json")
    reference = rfc8785.dumps(data)
    assert model_bytes(model) == reference
    assert canonical_bytes(data) == reference
    assert digest_json(model) == hashlib.sha256(reference).hexdigest()
    assert digest_json(data) == digest_json(model)
    # A signed payload parses back into the same model (DESIGN §4, FORMAT_FAILURE otherwise).
    assert type(model).model_validate_json(reference) == model


@pytest.mark.parametrize("name", sorted(SIGNED_MODELS))
@PROPS
@given(data=st.data())
def test_design_4_model_bytes_equal_rfc8785(name: str, data: st.DataObject) -> None:
    _assert_jcs(data.draw(SIGNED_MODELS[name], label=name))


def test_design_4_special_characters_in_a_pledge() -> None:
    pledgor = Applicant(
        party_type=PartyType.CITIZEN,
        name="张\u2028三😀",
        id_type=IdType.RESIDENT_ID,
        id_number="11010519491231002X",
        contact="\x1f\x7f138",
    )
    item = PledgeItem(
        entry_id="E-1",
        entry_version=MAX_SAFE,
        proof_name='"证明"\\/',
        proof_content="\b\f\n\r\t\x00",
        clauses=("\u2029👨\u200d👩\u200d👧",),
    )
    pledge = Pledge(
        pledge_id="P-1",
        case_no="C-1",
        notice_id="N-1",
        notice_hash="0" * 64,
        matter_code="M",
        organ_uscc="91350100M000100Y43",
        pledgor=pledgor,
        items=(item,),
        acknowledged_notice=True,
        signed_at=datetime(2025, 3, 3, 9, 30, tzinfo=CST),
    )
    _assert_jcs(pledge)
    raw = model_bytes(pledge)
    # RFC 8785 §3.2.2.2: U+2028 and emoji are emitted as UTF-8, control characters escaped.
    assert "\u2028".encode() in raw and "😀".encode() in raw
    assert b"\\u001f" in raw and b"\\u0000" in raw and b"\\b\\f\\n\\r\\t" in raw
    assert b"\x7f" in raw
    assert str(MAX_SAFE).encode() in raw


def test_rfc8785_key_order_is_utf16() -> None:
    """The sorting example of RFC 8785 §3.2.3 (non-ASCII keys take the reference path)."""
    data = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_bytes(data)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE, MAX_SAFE),
    texts,
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.sampled_from(SPECIAL), children, max_size=4)
    ),
    max_leaves=20,
)


@PROPS
@given(data=json_values)
def test_canonical_bytes_equal_rfc8785_on_any_json(data: Any) -> None:
    assert canonical_bytes(data) == rfc8785.dumps(data)
    assert digest_json(data) == sha256_hex(rfc8785.dumps(data))


@pytest.mark.parametrize(
    "bad",
    [
        float("nan"),
        float("inf"),
        -float("inf"),
        2**53,
        -(2**53),
        10**30,
        {"n": [1, 2, {"deep": 2**53}]},
        {"x": float("nan")},
        {1: "non-string key"},
        object(),
        b"bytes",
        "lone surrogate \ud800",
        {"k": "\udfff"},
    ],
    ids=lambda v: type(v).__name__,
)
def test_canonical_bytes_rejects_non_jcs_values_with_gz_md_010(bad: Any) -> None:
    with pytest.raises(ModelValidationError) as info:
        canonical_bytes(bad)
    assert info.value.code == "GZ-MD-010"
    assert isinstance(info.value, GaozhiError) and isinstance(info.value, ValueError)
    with pytest.raises(ModelValidationError):
        digest_json(bad)


def test_largest_safe_integers_accepted() -> None:
    assert canonical_bytes([MAX_SAFE, -MAX_SAFE]) == b"[9007199254740991,-9007199254740991]"


def test_sha256_hex_and_digest_json() -> None:
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
    assert (
        digest_json({"b": 1, "a": "告知"})
        == hashlib.sha256('{"a":"告知","b":1}'.encode()).hexdigest()
    )
