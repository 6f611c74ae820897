"""List validation and wording lint (R-004, R-006, R-012, R-025, R-029, R-041…R-046, R-059a,
R-071, R-072, R-093) and list loading errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gaozhi_sdk.errors import ListValidationError
from gaozhi_sdk.models import DEFAULT_PLEDGE_CLAUSES, PledgeTemplate
from gaozhi_sdk.models.enums import PriorityArea
from gaozhi_sdk.models.lists import CommitmentListEntry
from gaozhi_sdk.rules import (
    FindingLevel,
    lint_entry,
    lint_list,
    lint_template,
    lint_text,
    load_list,
    scan_wording,
    validate_list,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

Make = Callable[..., CommitmentListEntry]


def codes(findings: list) -> set[str]:  # type: ignore[type-arg]
    return {f.code for f in findings}


def test_baseline_entry_is_clean(make_entry: Make) -> None:
    assert lint_entry(make_entry()) == []


def test_r006_risk_category_is_error(make_entry: Make) -> None:
    out = lint_entry(make_entry(risk_exclusion_check=["PUBLIC_SECURITY"]))
    (f,) = [f for f in out if f.code == "GZ-LS-006"]
    assert f.level is FindingLevel.ERROR and f.rule == "R-006" and "PUBLIC_SECURITY" in f.message_zh


def test_r004_missing_legal_basis_is_error(make_entry: Make) -> None:
    assert "GZ-LS-004" in codes(lint_entry(make_entry(legal_basis=())))
    assert "GZ-LS-004" in codes(lint_entry(make_entry(legal_basis=("  ",))))


@pytest.mark.parametrize(
    "basis",
    ["《某省证明事项管理办法》", "《关于做好证明事项清理工作的通知》", "部门规章第三条"],
)
def test_r004_non_statutory_basis_is_warning(make_entry: Make, basis: str) -> None:
    (f,) = [f for f in lint_entry(make_entry(legal_basis=(basis,))) if f.rule == "R-004"]
    assert f.code == "GZ-LS-104" and f.level is FindingLevel.WARNING


@pytest.mark.parametrize(
    "basis",
    [
        "《中华人民共和国社会保险法》第十七条",
        "《社会救助暂行办法》(国务院令第649号)第九条",
        "《国务院关于取消和下放一批行政许可事项的决定》",
        "中华人民共和国教师法",
    ],
)
def test_r004_statutory_basis_passes(make_entry: Make, basis: str) -> None:
    assert not [f for f in lint_entry(make_entry(legal_basis=(basis,))) if f.rule == "R-004"]


def test_r012_list_columns_warn_when_empty(make_entry: Make) -> None:
    out = lint_entry(make_entry(requesting_unit="", guide_ref=""))
    assert {f.field for f in out if f.code == "GZ-LS-012"} == {"requesting_unit", "guide_ref"}


def test_r041_non_exempt_needs_window_and_standard(make_entry: Make) -> None:
    e = make_entry(verification={"method": "ON_SITE", "window": None, "standard": " "})
    assert {"GZ-LS-041", "GZ-LS-141"} <= codes(lint_entry(e))


def test_r042_exempt_needs_inspection_rate(make_entry: Make) -> None:
    e = make_entry(verification={"method": "EXEMPT", "window": None, "data_source": None})
    assert codes(lint_entry(e)) == {"GZ-LS-042"}
    ok = make_entry(verification={"method": "EXEMPT", "window": None, "inspection_rate_percent": 5})
    assert lint_entry(ok) == []


def test_r044_online_needs_data_source(make_entry: Make) -> None:
    assert "GZ-LS-044" in codes(lint_entry(make_entry(verification={"data_source": None})))


def test_r046_assisted_needs_issuing_unit(make_entry: Make) -> None:
    e = make_entry(issuing_unit="", verification={"method": "ASSISTED", "data_source": None})
    assert "GZ-LS-046" in codes(lint_entry(e))


def test_r059a_window_beyond_two_years_warns(make_entry: Make) -> None:
    e = make_entry(verification={"window": {"amount": 30, "unit": "MONTHS"}})
    (f,) = [f for f in lint_entry(e) if f.code == "GZ-LS-059"]
    assert f.level is FindingLevel.WARNING


def test_r059a_post_decision_window_counts_the_decision_time(make_entry: Make) -> None:
    """R-059a: 24 months after acceptance is inside the limitation; 24 months after the
    decision is not, because the decision itself takes at least 20 working days."""
    at_acceptance = make_entry(
        verification={"window": {"amount": 24, "unit": "MONTHS", "anchor": "ACCEPTED"}}
    )
    assert "GZ-LS-059" not in codes(lint_entry(at_acceptance))
    after_decision = make_entry(
        verification={"window": {"amount": 24, "unit": "MONTHS", "anchor": "DECIDED"}}
    )
    (f,) = [f for f in lint_entry(after_decision) if f.code == "GZ-LS-059"]
    assert f.rule == "R-059a" and f.field == "verification.window"
    short = make_entry(
        verification={"window": {"amount": 3, "unit": "MONTHS", "anchor": "DECIDED"}}
    )
    assert "GZ-LS-059" not in codes(lint_entry(short))


def test_r025_exam_with_proxy_is_error(make_entry: Make) -> None:
    e = make_entry(priority_area=PriorityArea.QUALIFICATION_EXAM, proxy_allowed=True)
    assert "GZ-LS-025" in codes(lint_entry(e))
    e2 = make_entry(priority_area=PriorityArea.QUALIFICATION_EXAM, proxy_allowed=False)
    assert "GZ-LS-025" not in codes(lint_entry(e2))


def test_r072_disclosed_pledges_need_complaint_channel(make_entry: Make) -> None:
    e = make_entry(pledge_disclosure="PUBLIC_REDACTED", complaint_channel="")
    assert "GZ-LS-072" in codes(lint_entry(e))
    ok = make_entry(pledge_disclosure="PUBLIC_REDACTED", complaint_channel="12345热线")
    assert "GZ-LS-072" not in codes(lint_entry(ok))


def test_r071_public_interest_without_disclosure_warns(make_entry: Make) -> None:
    assert "GZ-LS-071" in codes(lint_entry(make_entry(involves_public_interest=True)))
    # Sensitive personal data is never published, so no R-071 warning then.
    e = make_entry(involves_public_interest=True, sensitive_data=True)
    assert "GZ-LS-071" not in codes(lint_entry(e))


def test_r093_sensitive_data_disclosed_warns(make_entry: Make) -> None:
    e = make_entry(
        sensitive_data=True, pledge_disclosure="PUBLIC_REDACTED", complaint_channel="12345"
    )
    (f,) = [f for f in lint_entry(e) if f.code == "GZ-LS-093"]
    assert f.level is FindingLevel.WARNING


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("提交身份证、户口簿等材料。", "等"),
        ("提交身份证、户口簿等。", "等"),
        ("提交身份证、户口簿等", "等"),
        ("提交身份证以及其他相关材料。", "以及其他相关材料"),
        ("提交其他证明。", "其他证明"),
        ("提供有关部门要求的证明。", "有关部门要求的"),
        ("材料包括但不限于身份证。", "包括但不限于"),
        ("身份证、户口簿等等。", "等等"),
    ],
)
def test_r029_catch_all_clause_is_error(text: str, term: str) -> None:
    out = lint_text(text, field="proof_content", entry_id="E-1")
    errs = [f for f in out if f.level is FindingLevel.ERROR]
    assert [f.term for f in errs][:1] == [term]
    assert errs[0].code == "GZ-LS-029" and errs[0].position == text.index(term)


@pytest.mark.parametrize(
    "term", ["相关", "有关", "适当", "必要时", "原则上", "较大", "若干", "及时", "酌情", "视情况"]
)
def test_r029_vague_term_is_error_with_position(term: str) -> None:
    """R-029 forbids 模糊表述 as well as 兜底条款: an error unless the list lowers it."""
    text = f"申请人{term}提交证明。"
    (f,) = lint_text(text, field="proof_content")
    assert (f.code, f.level, f.term, f.position) == ("GZ-LS-129", FindingLevel.ERROR, term, 3)
    (low,) = lint_text(text, field="proof_content", lowered={term: "法定用语, 经审核同意"})
    assert (low.code, low.level, low.term) == ("GZ-LS-129", FindingLevel.WARNING, term)
    assert "法定用语, 经审核同意" in low.message_zh


@pytest.mark.parametrize(
    "text",
    [
        "男女平等。",
        "同等条件下优先。",
        "残疾等级为一级。",
        "具有中等职业学校毕业证书。",
        "对等原则。",
        "户口簿等 2 项证件。",
        "人均收入低于标准的 2 倍。",
        "申请人无犯罪记录。",
    ],
)
def test_r029_no_false_positives(text: str) -> None:
    assert scan_wording(text) == []


def test_r029_applies_to_liability_and_standard(make_entry: Make) -> None:
    e = make_entry(
        liability_text="承诺不实的，酌情处理。",
        verification={"standard": "必要时现场核查。"},
    )
    fields = {f.field for f in lint_entry(e) if f.rule == "R-029"}
    assert fields == {"liability_text", "verification.standard"}


def test_r029_template_lint_covers_all_text_fields() -> None:
    t = PledgeTemplate(
        template_id="T-1",
        entry_id="E-1",
        entry_version=1,
        proof_obligation="提交身份证等材料。",
        proof_content="夫妻关系。",
        liability="依法处理。",
        verification_power="行政机关可以核查。",
        cooperation_duty="申请人配合核查。",
        credit_consequence="记入信用记录。",
        disclosure_notice="不公开。",
        pledge_clauses=("本人承诺属实。", "本人提交其他材料。"),
    )
    out = lint_template(t)
    assert {(f.field, f.code) for f in out} == {
        ("proof_obligation", "GZ-LS-029"),
        ("pledge_clauses[1]", "GZ-LS-029"),
    }
    assert DEFAULT_PLEDGE_CLAUSES  # default clauses are linted like any other text


def test_r005_sample_list_loads_and_lints_clean() -> None:
    clist = load_list(EXAMPLES / "commitment_list.yaml")
    assert len(clist.entries) >= 8
    areas = {e.priority_area for e in clist.entries}
    assert areas >= set(PriorityArea) - {PriorityArea.OTHER}
    methods = {e.verification.method.value for e in clist.entries}
    assert methods == {"ONLINE", "ON_SITE", "ASSISTED", "EXEMPT"}
    assert validate_list(clist) == []  # no errors and no warnings


def test_bad_list_rejected_with_each_expected_code() -> None:
    clist = load_list(EXAMPLES / "bad_commitment_list.yaml")
    with pytest.raises(ListValidationError) as ei:
        validate_list(clist)
    assert ei.value.code == "GZ-LS-003"
    got = {(f.entry_id, f.code) for f in ei.value.findings if f.level is FindingLevel.ERROR}
    assert {
        ("BAD-001", "GZ-LS-006"),
        ("BAD-002", "GZ-LS-004"),
        ("BAD-003", "GZ-LS-029"),
        ("BAD-004", "GZ-LS-025"),
        ("BAD-005", "GZ-LS-041"),
        ("BAD-005", "GZ-LS-141"),
        ("BAD-005", "GZ-LS-044"),
        ("BAD-006", "GZ-LS-072"),
    } <= got
    assert all(f.entry_index is not None for f in ei.value.findings if f.entry_id)


def test_r009_r030_r013_list_level_findings() -> None:
    """R-009 deliberation record, R-030 publication channels, GB 32100 owner code."""
    text = (EXAMPLES / "commitment_list.yaml").read_text(encoding="utf-8")
    text = text.replace('owner_uscc: "11411222005123018X"', 'owner_uscc: "11411222005123018Y"')
    text = text.replace(
        "published_channels: [SERVICE_HALL, WEBSITE, PROVINCIAL_PLATFORM]", "published_channels: []"
    )
    out = lint_list(load_list(text))
    assert {"GZ-LS-013", "GZ-LS-030"} <= codes(out)


def test_load_bad_yaml_points_at_line() -> None:
    text = "list_id: X\nowner_organ: Y\nentries:\n  - entry_id: [unclosed\n"
    with pytest.raises(ListValidationError) as ei:
        load_list(text)
    assert ei.value.code == "GZ-LS-001"
    (f,) = ei.value.findings
    assert f.line is not None and f.line >= 4
    assert "行" in f.message_zh


def test_load_bad_json_points_at_line() -> None:
    with pytest.raises(ListValidationError) as ei:
        load_list('{\n  "list_id": "X",\n  "owner_organ": \n}')
    assert ei.value.code == "GZ-LS-001"
    assert ei.value.findings[0].line == 4


def test_load_schema_error_points_at_entry_and_field(tmp_path: Path) -> None:
    text = (EXAMPLES / "commitment_list.yaml").read_text(encoding="utf-8")
    text = text.replace("      method: ASSISTED\n", "      method: TELEPATHY\n", 1)
    f = tmp_path / "list.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ListValidationError) as ei:
        load_list(f)
    assert ei.value.code == "GZ-LS-002"
    (finding,) = ei.value.findings
    assert finding.entry_index == 4 and finding.entry_id == "SZ-RS-SB-001"
    assert finding.field == "verification.method"
    assert finding.line == text.splitlines().index("      method: TELEPATHY") + 1
    assert "取值无效" in finding.message_zh


def test_load_missing_field_and_unknown_field() -> None:
    text = "list_id: L\nowner_organ: O\nentries:\n  - {entry_id: A, seq_no: 1}\n"
    with pytest.raises(ListValidationError) as ei:
        load_list(text, format="yaml")
    fields = {f.field for f in ei.value.findings}
    assert {"implementing_organ", "verification", "proxy_allowed"} <= fields
    assert all(f.entry_id == "A" and f.entry_index == 0 for f in ei.value.findings)
    with pytest.raises(ListValidationError) as ei2:
        load_list('{"list_id": "L", "owner_organ": "O", "colour": 1}')
    assert ei2.value.findings[0].field == "colour"
    assert "不允许" in ei2.value.findings[0].message_zh


def test_load_top_level_must_be_mapping() -> None:
    with pytest.raises(ListValidationError) as ei:
        load_list("- a\n- b\n")
    assert ei.value.code == "GZ-LS-002"


def test_load_json_file(tmp_path: Path) -> None:
    clist = load_list(EXAMPLES / "commitment_list.yaml")
    f = tmp_path / "list.json"
    f.write_text(clist.model_dump_json(), encoding="utf-8")
    assert load_list(f) == clist
    assert load_list(str(f)) == clist


def test_r009_missing_deliberation_record_warns() -> None:
    text = (EXAMPLES / "commitment_list.yaml").read_text(encoding="utf-8")
    start = text.index("deliberation_ref:")
    text = text[:start] + text[text.index("\n", start) + 1 :]
    (f,) = lint_list(load_list(text))
    assert (f.code, f.level, f.rule) == ("GZ-LS-009", FindingLevel.WARNING, "R-009")


def test_load_long_single_line_json_is_text() -> None:
    clist = load_list(EXAMPLES / "commitment_list.yaml")
    assert load_list(clist.model_dump_json()) == clist


def test_r081_approval_and_pledge_codes_must_differ(make_entry: Make) -> None:
    e = make_entry()
    same = make_entry(approval_matter_code=f" {e.matter_code.lower()} ")
    (f,) = [f for f in lint_entry(same) if f.code == "GZ-LS-081"]
    assert f.level is FindingLevel.ERROR and f.rule == "R-081"
    ok = make_entry(approval_matter_code=f"{e.matter_code}-SP")
    assert "GZ-LS-081" not in codes(lint_entry(ok))
    assert ok.implements_pledge_system  # SFSXGZCNZ = 1 by default


def test_r082_situation_level_marking(make_entry: Make) -> None:
    some = [
        {"situation_code": "QX-01", "name": "新办", "pledge": True},
        {"situation_code": "QX-02", "name": "变更法定代表人", "pledge": False},
    ]
    assert "GZ-LS-082" not in codes(lint_entry(make_entry(situations=some)))
    none = [{**s, "pledge": False} for s in some]
    assert "GZ-LS-082" in codes(lint_entry(make_entry(situations=none)))
    dup = [some[0], {**some[1], "situation_code": "QX-01"}]
    assert "GZ-LS-082" in codes(lint_entry(make_entry(situations=dup)))
    off = make_entry(implements_pledge_system=False)
    (f,) = [f for f in lint_entry(off) if f.code == "GZ-LS-082"]
    assert f.field == "implements_pledge_system" and f.level is FindingLevel.ERROR
