"""单案证据包 (evidence package of one case): export and offline audit (issue 3, DESIGN §6, §8).

``gaozhi evidence export CASE --db DIR --out case.zip`` writes everything an auditor needs
for one case, and ``gaozhi audit case.zip --trust ROOTS`` verifies it on a machine that
holds only the auditor's own trust roots. The zip holds::

    manifest.json                 the table of contents (files with SHA-256, journal proof)
    manifest.bundle.json          the manifest, signed with an organ seal
    trust/*.pem                   copies of the document-signing anchors (never trusted)
    trust/tsa/*.pem               copies of the time-stamping anchors (never trusted)
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

Trust is the auditor's (DESIGN §8): the package's ``trust/`` copies are never used.
Without the auditor's anchors the audit checks integrity, signature values and the
signer policy, and its verdict is at best INDETERMINATE. So it is without the organ the
auditor expects (``organ_uscc``, ``gaozhi audit case.zip --organ USCC``): the manifest, the
checkpoint and every organ document must be sealed by that organ
(:mod:`gaozhi_sdk.sealing_organs`).

Error codes: ``GZ-AR-020`` case not found / nothing to export, ``GZ-AR-021`` no signed
checkpoint covers the case, ``GZ-AR-022`` not an evidence package, ``GZ-AR-023`` output
exists, ``GZ-AR-024`` duplicate member names, ``GZ-AR-025`` the members' total
uncompressed size exceeds the limit (zip bomb), ``GZ-AR-026`` too many members.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from gaozhi_sdk.archive import (
    AuditCheck,
    AuditReport,
    JournalCheckpoint,
    auditor_trust,
    no_anchor_check,
    seal_organ,
)
from gaozhi_sdk.canonical import canonical_bytes, sha256_hex
from gaozhi_sdk.errors import ArchiveError, BundleFormatError
from gaozhi_sdk.esign import (
    Bundle,
    Indication,
    Revocation,
    Signer,
    register_payload_type,
    sign,
    validate,
)
from gaozhi_sdk.esign.trust import trust_folder_files
from gaozhi_sdk.models import GaozhiModel, now_cst
from gaozhi_sdk.sealing_organs import expected_organs, organ_checks, sealing_organ
from gaozhi_sdk.store.base import Store
from gaozhi_sdk.store.journal import entry_hash

__all__ = [
    "EVIDENCE_FORMAT",
    "MAX_MEMBERS",
    "MAX_TOTAL_BYTES",
    "EvidenceManifest",
    "audit_evidence",
    "export_evidence",
]

EVIDENCE_FORMAT = "gaozhi-evidence/1"
_MANIFEST = "manifest.json"
_MANIFEST_BUNDLE = "manifest.bundle.json"
_SEGMENT = "journal/segment.jsonl"
#: Limits of an evidence package (zip bomb protection): total uncompressed size, members.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 100_000


class EvidenceManifest(GaozhiModel):
    """The signed table of contents of one case's evidence package."""

    format: str = Field(description="证据包格式")
    organ_uscc: str = Field(description="签署清单的机关 (印章须为该机关的, DESIGN §4)")
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

    ``signer`` must be an organ seal (its USCC becomes the manifest's ``organ_uscc``);
    ``trust_pems`` / ``tsa_trust_pems`` are written as ``trust/`` / ``trust/tsa/`` copies
    for the auditor's information.

    Raises:
        ArchiveError: ``GZ-AR-020`` (no signed document of the case), ``GZ-AR-021`` (the
        case's journal entries are not covered by a signed checkpoint), ``GZ-AR-023``,
        ``GZ-AR-004`` (the signer is not an organ seal).
    """
    target = Path(out)
    organ = seal_organ(signer)
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

    files: dict[str, bytes] = trust_folder_files(trust_pems, tsa_trust_pems)
    files.update(bundles)
    files[cp_path] = cp_data
    files[_SEGMENT] = seg_bytes
    manifest = EvidenceManifest(
        format=EVIDENCE_FORMAT,
        organ_uscc=organ,
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


def _read_zip(
    path: Path, *, max_total: int = MAX_TOTAL_BYTES, max_members: int = MAX_MEMBERS
) -> dict[str, bytes]:
    """Every member of the zip, refusing duplicates, path escapes and zip bombs.

    The size limit counts the bytes actually inflated (a member's declared size can lie).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                raise ArchiveError(
                    "GZ-AR-026",
                    f"证据包成员过多 ({len(infos)} > {max_members}), 拒绝读取",
                    message_en=f"too many members in the evidence package ({len(infos)})",
                )
            names = [i.filename for i in infos]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ArchiveError(
                    "GZ-AR-024",
                    f"证据包中有重名成员 {', '.join(repr(d[:80]) for d in dupes[:5])}: "
                    "同一名称可能被读出不同内容, 拒绝读取",
                    message_en=f"duplicate member names in the evidence package: {dupes[:5]}",
                )
            out: dict[str, bytes] = {}
            total = 0
            for info in infos:
                if info.is_dir():
                    continue
                if ".." in info.filename.split("/") or info.filename.startswith("/"):
                    raise ArchiveError(
                        "GZ-AR-022",
                        f"证据包成员 {info.filename[:80]!r} 的路径越界",
                        message_en="evidence package member path escapes the package",
                    )
                if total + info.file_size > max_total:
                    raise _too_big(max_total)
                with zf.open(info) as fh:
                    data = fh.read(max_total - total + 1)
                total += len(data)
                if total > max_total:
                    raise _too_big(max_total)
                out[info.filename] = data
            return out
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(
            "GZ-AR-022",
            f"不是可读的证据包 zip 文件: {path}: {exc}",
            message_en=f"not a readable evidence zip: {path}",
        ) from exc


def _too_big(limit: int) -> ArchiveError:
    return ArchiveError(
        "GZ-AR-025",
        f"证据包解压后总大小超过上限 {limit} 字节 (疑似 zip 炸弹), 拒绝读取",
        message_en=f"the evidence package inflates beyond {limit} bytes (zip bomb?)",
    )


def audit_evidence(
    path: str | Path,
    *,
    trust_pems: Sequence[bytes] | None = None,
    tsa_trust_pems: Sequence[bytes] | None = None,
    at: datetime | None = None,
    require_revocation: bool = False,
    revocation: Revocation | None = None,
    organ_uscc: str | Sequence[str] | None = None,
    method_trust_pems: Mapping[str, Sequence[bytes]] | None = None,
) -> AuditReport:
    """Audit one case's evidence package offline (see the module docstring).

    Args:
        path: the zip written by :func:`export_evidence`.
        trust_pems: the auditor's document-signing anchors. None or empty: integrity,
            signature values and signer policy are checked, the verdict is at best
            INDETERMINATE — the package's own ``trust/`` copies are never trusted.
        tsa_trust_pems: the auditor's time-stamping anchors.
        at: validation time for bundles without a time-stamp (default: now).
        require_revocation: missing CRL/OCSP data makes a bundle INDETERMINATE.
        revocation: CRLs / OCSP responses the auditor brings, used beside each bundle's.
        organ_uscc: the organ(s) the package must belong to (``--organ``, repeatable):
            the manifest, the checkpoint and every organ document must be sealed by one of
            them. Without it the verdict is at best INDETERMINATE and names the organs found.
        method_trust_pems: the auditor's anchors for signing methods (DESIGN §4a):
            ``{"event_certificate": [...], "platform_attestation": [...]}`` PEMs.

    Raises:
        ArchiveError: ``GZ-AR-022`` when the file is not an evidence package at all,
        ``GZ-AR-024`` / ``GZ-AR-025`` / ``GZ-AR-026`` when it is unsafe to read.
        InvalidIdentifierError: ``GZ-ID-0xx`` when ``organ_uscc`` is not a valid code.
    """
    expected = expected_organs(organ_uscc)
    zpath = Path(path)
    members = _read_zip(zpath)
    if _MANIFEST_BUNDLE not in members:
        raise ArchiveError(
            "GZ-AR-022",
            f"不是 gaozhi 证据包 (缺少 {_MANIFEST_BUNDLE}): {zpath}",
            message_en="not a gaozhi evidence package",
        )
    anchored = bool(trust_pems)
    checks: list[AuditCheck] = [] if anchored else [no_anchor_check("证据包")]
    state = {"failed": False, "indeterminate": not anchored}

    def problem(name: str, msg: str, where: str | None = None, status: str = "FAILED") -> None:
        checks.append(AuditCheck(name=name, status=status, message=msg, path=where))
        state["failed" if status == "FAILED" else "indeterminate"] = True

    trust = auditor_trust(trust_pems, tsa_trust_pems, method_trust_pems)
    counts = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 0, "INDETERMINATE": 0}
    sealed: list[tuple[str, str, str]] = []

    def check_bundle(name: str, data: bytes) -> bool:
        report = validate(
            data, trust, at=at, require_revocation=require_revocation, revocation=revocation
        )
        counts[report.indication.value] += 1
        sub = report.sub_indication.value if report.sub_indication else ""
        if report.indication is Indication.TOTAL_PASSED or (
            not anchored
            and report.indication is Indication.INDETERMINATE
            and (sub == "NO_CERTIFICATE_CHAIN_FOUND")
        ):  # without anchors: want of an anchor is already reported by trust_source
            organ = sealing_organ(data)
            if organ is not None and (name, *organ) not in sealed:
                sealed.append((name, *organ))
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
        AuditCheck(
            name="manifest_signature",
            status="PASSED" if anchored else "INDETERMINATE",
            message="证据包清单签名有效"
            if anchored
            else "证据包清单签名值正确, 但未对照审计方信任锚验证签名证书",
        )
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
    for c in organ_checks(expected, sealed, "证据包", "evidence package"):
        checks.append(c)
        state["failed" if c.status == "FAILED" else "indeterminate"] = True
    if not state["failed"] and not state["indeterminate"]:
        checks.append(
            AuditCheck(
                name="summary",
                status="PASSED",
                message=(
                    f"办件 {manifest.case_no}: {len(manifest.case_bundles)} 个签名文件、"
                    f"{len(manifest.journal_slice)} 条本案台账, 经 {len(segment)} 条台账片段"
                    f"链接到第 {manifest.checkpoint_seq} 条的签名检查点, 全部通过; "
                    f"由审计方指定的机关 {manifest.organ_uscc} 盖章"
                ),
                message_en=(
                    f"case {manifest.case_no}: {len(manifest.case_bundles)} bundles and "
                    f"{len(manifest.journal_slice)} case journal entries, linked through "
                    f"{len(segment)} segment entries to the signed checkpoint at "
                    f"{manifest.checkpoint_seq}, all passed; sealed by {manifest.organ_uscc}, "
                    "the organ the auditor named"
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
