"""单案证据包 (evidence package of one case): export and offline audit (issue 3, DESIGN §6, §8).

``gaozhi evidence export CASE --db DIR --out case.zip`` writes everything an auditor needs
for one case, and ``gaozhi audit case.zip`` verifies it on a machine that holds only the
trust roots. The zip holds::

    manifest.json                 the table of contents (files with SHA-256, journal proof)
    manifest.bundle.json          the manifest, signed with an organ seal
    trust/*.pem                   document-signing anchors (copies for the auditor)
    trust/tsa/*.pem               time-stamping anchors (copies for the auditor)
    bundles/<type>/<id>.bundle.json  the case's signed documents (notice, pledge,
                                  verification, disposition, credit record …) and the
                                  signed journal checkpoint
    journal/segment.jsonl         the contiguous journal segment from the case's first
                                  entry up to the latest signed checkpoint

The *journal proof*: every entry's ``hash`` is SHA-256 over its JCS content including
``prev_hash``, so recomputing each hash of the segment and linking it to the next entry
proves that the case's entries (``journal_slice`` in the manifest) are in the chain whose
head at ``checkpoint_seq`` was signed by the organ — nothing in the case can be changed,
removed or reordered without breaking a hash or the checkpoint signature. The segment
carries other cases' entries between the first case entry and the checkpoint; journal
entries hold no personal data (masked references and digests only).

Error codes: ``GZ-AR-020`` case not found / nothing to export, ``GZ-AR-021`` no signed
checkpoint covers the case, ``GZ-AR-022`` not an evidence package, ``GZ-AR-023`` output
exists.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from gaozhi_sdk.archive import AuditCheck, AuditReport, JournalCheckpoint
from gaozhi_sdk.canonical import canonical_bytes, sha256_hex
from gaozhi_sdk.errors import ArchiveError, BundleFormatError
from gaozhi_sdk.esign import (
    Bundle,
    Indication,
    Signer,
    TrustStore,
    register_payload_type,
    sign,
    validate,
)
from gaozhi_sdk.esign.trust import trust_folder_files
from gaozhi_sdk.models import GaozhiModel, now_cst
from gaozhi_sdk.store.base import Store
from gaozhi_sdk.store.journal import entry_hash

__all__ = ["EVIDENCE_FORMAT", "EvidenceManifest", "audit_evidence", "export_evidence"]

EVIDENCE_FORMAT = "gaozhi-evidence/1"
_MANIFEST = "manifest.json"
_MANIFEST_BUNDLE = "manifest.bundle.json"
_SEGMENT = "journal/segment.jsonl"
_MAX_ZIP_MEMBER = 256 * 1024 * 1024


class EvidenceManifest(GaozhiModel):
    """The signed table of contents of one case's evidence package."""

    format: str = Field(description="证据包格式")
    case_no: str = Field(description="办件编号")
    created_at: str = Field(description="导出时间")
    files: dict[str, str] = Field(description="文件相对路径 → SHA-256")
    case_bundles: tuple[str, ...] = Field(description="本案签名文件路径")
    journal_slice: tuple[int, ...] = Field(description="本案台账条目序号")
    segment_first_seq: int = Field(ge=1, description="台账片段首条序号")
    segment_first_prev_hash: str = Field(description="台账片段首条的 prev_hash")
    checkpoint_seq: int = Field(ge=1, description="签名检查点序号 (片段末条)")
    checkpoint_hash: str = Field(description="检查点所载哈希")
    checkpoint_bundle: str = Field(description="签名检查点文件路径")


register_payload_type("evidence-manifest", EvidenceManifest)


def _bundle_path(blob_id: str) -> str:
    safe = "/".join(p for p in blob_id.split("/") if p not in ("", ".", ".."))
    return f"bundles/{safe}.bundle.json"


def _ids_in(payload: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(payload, dict):
        for k, v in payload.items():
            if isinstance(v, str) and (k.endswith("_id") or k == "case_no"):
                out.add(v)
    return out


def export_evidence(
    store: Store,
    case_no: str,
    out: str | Path,
    *,
    signer: Signer,
    trust_pems: Sequence[bytes],
    tsa_trust_pems: Sequence[bytes] = (),
) -> EvidenceManifest:
    """Write the evidence package of ``case_no`` to the zip file ``out``.

    Raises:
        ArchiveError: ``GZ-AR-020`` (no signed document of the case), ``GZ-AR-021`` (the
        case's journal entries are not covered by a signed checkpoint), ``GZ-AR-023``.
    """
    target = Path(out)
    if target.exists():
        raise ArchiveError(
            "GZ-AR-023", f"输出文件已存在: {target}", message_en=f"output exists: {target}"
        )
    bundles: dict[str, bytes] = {}
    ids = {case_no}
    checkpoints: list[tuple[JournalCheckpoint, str, bytes]] = []
    for blob in store.list_blobs("bundle"):
        try:
            b = Bundle.from_json(blob.data)
            payload = json.loads(b.payload)
        except (BundleFormatError, ValueError):
            continue
        if blob.id.startswith("journal-checkpoint/"):
            try:
                cp = JournalCheckpoint.model_validate(payload)
            except ValueError:
                continue
            checkpoints.append((cp, _bundle_path(blob.id), blob.data))
        elif isinstance(payload, dict) and payload.get("case_no") == case_no:
            bundles[_bundle_path(blob.id)] = blob.data
            ids |= _ids_in(payload)
    if not bundles:
        raise ArchiveError(
            "GZ-AR-020",
            f"办件 {case_no[:40]} 没有任何签名文件, 无法导出证据包",
            message_en=f"no signed document for case {case_no[:40]}",
        )
    digests = {sha256_hex(d) for d in bundles.values()}
    entries = [e.to_json_dict() for e in store.journal()]
    slice_seqs = [
        int(e["seq"])
        for e in entries
        if e["aggregate_id"] in ids or e["detail"].get("bundle_sha256") in digests
    ]
    last_needed = max(slice_seqs) if slice_seqs else 0
    covering = [c for c in checkpoints if c[0].seq >= last_needed]
    if not slice_seqs or not covering:
        raise ArchiveError(
            "GZ-AR-021",
            f"办件 {case_no[:40]} 的台账条目 (至第 {last_needed} 条) 尚无签名检查点覆盖; "
            "请先生成台账检查点 (PledgeService.checkpoint_journal)",
            message_en="no signed journal checkpoint covers the case's entries",
        )
    cp, cp_path, cp_data = max(covering, key=lambda c: c[0].seq)
    first = min(slice_seqs)
    segment = [e for e in entries if first <= int(e["seq"]) <= cp.seq]
    seg_bytes = b"".join(canonical_bytes(e) + b"\n" for e in segment)

    files: dict[str, bytes] = {}
    files.update(trust_folder_files(trust_pems, tsa_trust_pems))
    files.update(bundles)
    files[cp_path] = cp_data
    files[_SEGMENT] = seg_bytes
    manifest = EvidenceManifest(
        format=EVIDENCE_FORMAT,
        case_no=case_no,
        created_at=now_cst().isoformat(),
        files={k: sha256_hex(v) for k, v in sorted(files.items())},
        case_bundles=tuple(sorted(bundles)),
        journal_slice=tuple(slice_seqs),
        segment_first_seq=first,
        segment_first_prev_hash=str(segment[0]["prev_hash"]),
        checkpoint_seq=cp.seq,
        checkpoint_hash=cp.hash,
        checkpoint_bundle=cp_path,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr(
            _MANIFEST,
            json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
        )
        zf.writestr(_MANIFEST_BUNDLE, sign(manifest, signer).to_json())
    tmp.replace(target)
    return manifest


# -- audit -----------------------------------------------------------------------------------


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            out: dict[str, bytes] = {}
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.file_size > _MAX_ZIP_MEMBER or ".." in info.filename.split("/"):
                    raise ArchiveError(
                        "GZ-AR-022",
                        f"证据包成员 {info.filename[:80]!r} 不允许 (过大或路径越界)",
                        message_en="evidence package member not allowed",
                    )
                out[info.filename] = zf.read(info)
            return out
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(
            "GZ-AR-022",
            f"不是可读的证据包 zip 文件: {path}: {exc}",
            message_en=f"not a readable evidence zip: {path}",
        ) from exc


def audit_evidence(
    path: str | Path,
    *,
    trust_pems: Sequence[bytes] | None = None,
    at: datetime | None = None,
    tsa_trust_pems: Sequence[bytes] = (),
) -> AuditReport:
    """Audit one case's evidence package offline (see the module docstring).

    Args:
        path: the zip written by :func:`export_evidence`.
        trust_pems: the auditor's document-signing anchors; default: the package's
            ``trust/*.pem`` and ``trust/tsa/*.pem`` (then the report warns that trust
            came from the package itself).
        at: validation time for bundles without a time-stamp (default: now).
        tsa_trust_pems: the auditor's time-stamping anchors (with ``trust_pems``).

    Raises:
        ArchiveError: ``GZ-AR-022`` only when the file is not an evidence package at all.
    """
    zpath = Path(path)
    members = _read_zip(zpath)
    if _MANIFEST_BUNDLE not in members:
        raise ArchiveError(
            "GZ-AR-022",
            f"不是 gaozhi 证据包 (缺少 {_MANIFEST_BUNDLE}): {zpath}",
            message_en="not a gaozhi evidence package",
        )
    checks: list[AuditCheck] = []
    state = {"failed": False, "indeterminate": False}

    def problem(name: str, msg: str, where: str | None = None, status: str = "FAILED") -> None:
        checks.append(AuditCheck(name=name, status=status, message=msg, path=where))
        state["failed" if status == "FAILED" else "indeterminate"] = True

    if trust_pems is None:
        trust_files = {k: v for k, v in members.items() if k.startswith("trust/")}
        checks.append(
            AuditCheck(
                name="trust_source",
                status="PASSED",
                message="信任锚取自证据包自身 trust/ 目录; 独立审计请用 --trust 指定自有根证书",
            )
        )
    else:
        trust_files = trust_folder_files(trust_pems, tsa_trust_pems)
    trust = TrustStore.from_folder_files(trust_files)
    counts = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 0, "INDETERMINATE": 0}

    def check_bundle(name: str, data: bytes) -> bool:
        report = validate(data, trust, at=at)
        counts[report.indication.value] += 1
        if report.indication is Indication.TOTAL_PASSED:
            return True
        status = "FAILED" if report.indication is Indication.TOTAL_FAILED else "INDETERMINATE"
        problem("bundle", report.summary_zh(), name, status)
        return False

    # 1. signed manifest
    manifest: EvidenceManifest | None = None
    if check_bundle(_MANIFEST_BUNDLE, members[_MANIFEST_BUNDLE]):
        try:
            payload = Bundle.from_json(members[_MANIFEST_BUNDLE]).payload
            manifest = EvidenceManifest.model_validate_json(payload)
        except ValueError as exc:
            problem("manifest", f"签名清单内容无法解析: {exc}", _MANIFEST_BUNDLE)
    if manifest is None:
        return _report(zpath, at, trust.digest(), counts, 0, checks, state)
    if manifest.format != EVIDENCE_FORMAT:
        problem("manifest", f"证据包格式 {manifest.format!r} 不受支持", _MANIFEST_BUNDLE)
    checks.append(
        AuditCheck(name="manifest_signature", status="PASSED", message="证据包清单签名有效")
    )
    # 2. files
    for rel, digest in sorted(manifest.files.items()):
        data = members.get(rel)
        if data is None:
            problem("file_missing", f"清单所列文件缺失: {rel}", rel)
        elif sha256_hex(data) != digest:
            problem("file_digest", f"文件内容与签名清单所载 SHA-256 不一致: {rel}", rel)
    for rel in sorted(set(members) - set(manifest.files) - {_MANIFEST, _MANIFEST_BUNDLE}):
        problem("file_unlisted", f"文件未列入签名清单: {rel}", rel)
    # 3. journal segment: every hash recomputed, every link checked
    seg_raw = members.get(_SEGMENT, b"")
    segment: list[dict[str, Any]] = []
    for n, line in enumerate(seg_raw.splitlines(), 1):
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
            segment.append(obj)
        except ValueError:
            problem("journal", f"台账片段第 {n} 行不是 JSON 对象", _SEGMENT)
    prev = manifest.segment_first_prev_hash
    expect_seq = manifest.segment_first_seq
    for e in segment:
        seq = e.get("seq")
        try:
            ok_hash = entry_hash(e) == e.get("hash")
        except Exception:  # malformed entry content
            ok_hash = False
        if seq != expect_seq:
            problem("journal", f"台账序号不连续: 期望 {expect_seq}, 实际 {seq}", _SEGMENT)
        if not ok_hash:
            problem("journal", f"台账第 {seq} 条的哈希与内容不符 (被改动)", _SEGMENT)
        if e.get("prev_hash") != prev:
            problem("journal", f"台账第 {seq} 条的 prev_hash 未链接到上一条", _SEGMENT)
        prev = str(e.get("hash"))
        expect_seq = (seq if isinstance(seq, int) else expect_seq) + 1
    last = segment[-1] if segment else {}
    # 4. signed checkpoint = end of the segment
    cp_data = members.get(manifest.checkpoint_bundle)
    if cp_data is None or not check_bundle(manifest.checkpoint_bundle, cp_data):
        problem("checkpoint", "签名检查点缺失或未通过验证", manifest.checkpoint_bundle)
    else:
        cp = JournalCheckpoint.model_validate_json(Bundle.from_json(cp_data).payload)
        if (cp.seq, cp.hash) != (last.get("seq"), last.get("hash")) or (
            (cp.seq, cp.hash) != (manifest.checkpoint_seq, manifest.checkpoint_hash)
        ):
            problem(
                "checkpoint",
                f"签名检查点 (第 {cp.seq} 条) 与台账片段末条或清单不一致 (台账被改写)",
                manifest.checkpoint_bundle,
            )
    # 5. the case: its entries in the segment, its bundles valid and bound by its entries
    by_seq = {e.get("seq"): e for e in segment}
    bound: set[str] = set()
    for seq in manifest.journal_slice:
        entry = by_seq.get(seq)
        if entry is None:
            problem("journal_slice", f"本案台账第 {seq} 条不在台账片段中", _SEGMENT)
            continue
        detail = entry.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("bundle_sha256"), str):
            bound.add(detail["bundle_sha256"])
    for rel in manifest.case_bundles:
        data = members.get(rel)
        if data is None:
            continue  # reported as file_missing
        if check_bundle(rel, data):
            payload = json.loads(Bundle.from_json(data).payload)
            if not isinstance(payload, dict) or payload.get("case_no") != manifest.case_no:
                problem("case_bundle", f"签名文件不属于办件 {manifest.case_no}", rel)
            elif sha256_hex(data) not in bound:
                problem("bundle_unbound", "签名文件的摘要未记入本案台账条目 (可能被替换)", rel)
    if not state["failed"] and not state["indeterminate"]:
        checks.append(
            AuditCheck(
                name="summary",
                status="PASSED",
                message=(
                    f"办件 {manifest.case_no}: {len(manifest.case_bundles)} 个签名文件、"
                    f"{len(manifest.journal_slice)} 条本案台账, 经 {len(segment)} 条台账片段"
                    f"链接到第 {manifest.checkpoint_seq} 条的签名检查点, 全部通过"
                ),
            )
        )
    return _report(zpath, at, trust.digest(), counts, len(segment), checks, state)


def _report(
    path: Path,
    at: datetime | None,
    trust_digest: str,
    counts: dict[str, int],
    entries: int,
    checks: list[AuditCheck],
    state: dict[str, bool],
) -> AuditReport:
    return AuditReport(
        archive=str(path),
        validated_at=(at or now_cst()).isoformat(),
        trust_store_digest=trust_digest,
        bundles=counts,
        journal_entries=entries,
        checks=tuple(checks),
        exit_code=1 if state["failed"] else 2 if state["indeterminate"] else 0,
    )
