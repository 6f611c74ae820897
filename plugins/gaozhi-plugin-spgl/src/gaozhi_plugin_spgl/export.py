"""Verification records → ``SPGL_GZCNZBJJGXXB_V3`` rows (R-080, R-081).

Field mapping (one row per concluded verification with a definite result):

======================  =====================================================================
``DFSJZJ``              ``<organ USCC>-<verification id>`` (unique across organs)
``XZQHDM``              ``region_code`` of the list version the case was handled under
``GCDM``                the project code the caller supplies (``project_code(case)``)
``SPSXBM``              the case number (审批事项实例)
``JCBH``                the verification id
``JCSJ``                ``concluded_at`` in 北京时间, ``YYYY-MM-DD HH:MM:SS``
``JCBMMC``              the organ owning the list (实施机关)
``JCBMTYSHXYDM``        the case's organ USCC
``JCYJHSM``             method, verification standard and the proof's legal basis
``SFLXGZCN``            1 when the pledge was found true, 0 when false
``GZCNLXQK``            the finding in words
``QT``                  entry id, proof name and the 审批制 item code (R-081)
``SJYXBS`` / ``SJWXYY``  0 with the reason when the false finding was later corrected or
                        invalidated on objection (R-116), else 1
======================  =====================================================================

Not exported (listed in :attr:`SpglExport.skipped` with the reason): verifications not yet
concluded; ``INCONCLUSIVE``; ``NO_ADVERSE_FINDING`` (免予核查, nothing found during daily
supervision — not a finding that the pledge was kept, so never reported as 履行); cases
without a project code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gaozhi_plugin_spgl.table import FIELDS, SpglGzcnzbjjgxxb
from gaozhi_sdk import PledgeService
from gaozhi_sdk.models import (
    CST,
    Case,
    CreditStatus,
    Verification,
    VerificationResult,
    VerificationStatus,
)

__all__ = ["SpglExport", "export_verifications", "to_csv", "to_json"]

_INVALIDATING = {
    CreditStatus.CORRECTED: "不实认定经异议处理已更正",
    CreditStatus.INVALIDATED: "不实认定经异议处理已撤销",
}


@dataclass(frozen=True)
class SpglExport:
    """The rows, and the verifications left out with the reason."""

    rows: tuple[SpglGzcnzbjjgxxb, ...]
    skipped: tuple[tuple[str, str], ...]


def _invalid_reason(svc: PledgeService, case: Case) -> str:
    if case.disposition_id is None:
        return ""
    for d in svc.credit.dispositions():
        if d.disposition_id == case.disposition_id and d.credit_record_id:
            status = svc.credit.get(d.credit_record_id).status
            return _INVALIDATING.get(status, "")
    return ""


def _row(
    svc: PledgeService, v: Verification, case: Case, project: str, cache: dict[tuple[str, int], str]
) -> SpglGzcnzbjjgxxb:
    key = (case.list_id, case.list_version)
    clist = svc.lists.get(*key)
    entry = svc.cases.entry_at(case, v.entry_id)
    if key not in cache:
        cache[key] = clist.region_code
    true = v.result is VerificationResult.TRUE
    when = v.concluded_at.astimezone(CST) if v.concluded_at else None
    basis = "；".join(entry.legal_basis) or "—"
    standard = entry.verification.standard or "—"
    finding = "承诺属实, 已履行告知承诺" if true else "承诺不实, 未履行告知承诺"
    invalid = "" if true else _invalid_reason(svc, case)
    extra = [f"清单条目 {entry.entry_id}", f"证明名称 {entry.proof_name}"]
    if entry.approval_matter_code:
        extra.append(f"审批制事项编码 {entry.approval_matter_code}")
    return SpglGzcnzbjjgxxb(
        DFSJZJ=f"{case.organ_uscc}-{v.verification_id}",
        XZQHDM=cache[key],
        GCDM=project,
        SPSXBM=case.case_no,
        JCBH=v.verification_id,
        JCSJ=f"{when:%Y-%m-%d %H:%M:%S}" if when else "",
        JCBMMC=clist.owner_organ,
        JCBMTYSHXYDM=case.organ_uscc,
        JCYJHSM=f"核查方式: {v.method.label_zh}; 核查标准: {standard}; 设定依据: {basis}",
        SFLXGZCN=1 if true else 0,
        GZCNLXQK=f"经{v.method.label_zh}, {finding}",
        QT="; ".join(extra),
        SJYXBS=0 if invalid else 1,
        SJWXYY=invalid,
    )


def export_verifications(
    svc: PledgeService,
    project_code: Callable[[Case], str | None],
    *,
    verification_ids: Iterable[str] | None = None,
) -> SpglExport:
    """The ``SPGL_GZCNZBJJGXXB_V3`` rows for the service's verification records.

    Args:
        svc: the service holding the records.
        project_code: the 工程代码 of a case (from the approval system); None leaves the
            case's verifications out.
        verification_ids: only these (e.g. the ones :mod:`gaozhi_plugin_spgl.plugin`
            spooled from ``verification.completed`` events); default every verification.
    """
    wanted = None if verification_ids is None else set(verification_ids)
    rows: list[SpglGzcnzbjjgxxb] = []
    skipped: list[tuple[str, str]] = []
    cache: dict[tuple[str, int], str] = {}
    for v in svc.verifications.list():
        if wanted is not None and v.verification_id not in wanted:
            continue
        if v.status is not VerificationStatus.CONCLUDED or v.result is None:
            skipped.append((v.verification_id, "核查尚未完成"))
            continue
        if v.result not in (VerificationResult.TRUE, VerificationResult.FALSE):
            skipped.append((v.verification_id, f"核查结论为 {v.result.value}, 不作为履行情况上报"))
            continue
        case = svc.cases.get(v.case_no)
        project = project_code(case)
        if not project:
            skipped.append((v.verification_id, "办件没有工程代码"))
            continue
        rows.append(_row(svc, v, case, project, cache))
    return SpglExport(rows=tuple(rows), skipped=tuple(skipped))


def to_csv(rows: Iterable[SpglGzcnzbjjgxxb]) -> bytes:
    """UTF-8 CSV with the standard's column names as the header, in the standard's order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    for r in rows:
        w.writerow([getattr(r, f) for f in FIELDS])
    return buf.getvalue().encode("utf-8")


def to_json(rows: Iterable[SpglGzcnzbjjgxxb]) -> bytes:
    """A JSON array of rows keyed by the standard's column names."""
    body = [r.model_dump(mode="json") for r in rows]
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
