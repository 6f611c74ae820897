"""Bilingual verification summaries come from one renderer and one table per language
(issue 11 item 6): both languages say the same things, line for line."""

from __future__ import annotations

from gaozhi_sdk import esign
from gaozhi_sdk.testing import TestPKI


def _reports() -> list[esign.VerificationReport]:
    pki = TestPKI.create()
    bundle = esign.sign(b"{}", pki.applicant("王* 测试"), payload_type="application/json")
    return [
        esign.validate(bundle, pki.trust_store()),
        esign.validate(bundle, TestPKI.create().trust_store()),
    ]


def test_summaries_have_the_same_shape_in_both_languages() -> None:
    for report in _reports():
        zh, en = report.summary_zh().splitlines(), report.summary_en().splitlines()
        assert len(zh) == len(en)
        assert report.summary("zh") == report.summary_zh()
        assert report.summary("en") == report.summary_en()
        for a, b in zip(zh, en, strict=True):  # check lines carry the same status and name
            if a.lstrip().startswith("["):
                assert a.split(":")[0] == b.split(":")[0]


def test_failed_report_names_the_failure_in_each_language() -> None:
    _, failed = _reports()
    zh, en = failed.summary_zh(), failed.summary_en()
    assert zh.startswith("结论: 验证失败") or zh.startswith("结论: 无法确定")
    assert en.startswith("Result: failed") or en.startswith("Result: indeterminate")
    assert "[PASSED]" not in zh and "[PASSED]" not in en
    bad = [c for c in failed.problems() if c.status.value != "SKIPPED"]
    assert bad
    for check in bad:
        assert f"[{check.status.value}] {check.name}" in zh
        assert f"[{check.status.value}] {check.name}" in en
        if check.message_en:
            assert check.message_en in en
        if check.message:
            assert check.message in zh
