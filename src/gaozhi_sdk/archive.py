"""Evidence archives: export and offline audit (DESIGN §6, §8).

An archive directory holds::

    trust/*.pem                      copies of the document-signing anchors (information only)
    trust/tsa/*.pem                  copies of the time-stamping anchors (information only)
    bundles/<type>/<id>.bundle.json  every signed document (notices, pledges, findings …)
    journal.jsonl                    the hash-chained journal, one entry per line
    manifest.json                    files with SHA-256, journal count and head
    manifest.bundle.json             the manifest, signed with an organ seal

:func:`audit_archive` checks, offline: the signed manifest; every listed file's digest,
missing and unlisted files; the journal chain and its head against the manifest; every
bundle (in parallel processes); and that each bundle's digest is bound by a journal entry
— so a missing file, a truncated journal, a reordered entry or a swapped bundle is found.

Trust is the auditor's (DESIGN §8): only anchors the auditor passes (``trust_pems``,
``tsa_trust_pems``) are trusted. The archive's own ``trust/`` copies never are — an
attacker who rewrites an archive can write their own root there. Without the auditor's
anchors the audit still checks integrity, but the verdict is at best INDETERMINATE.
Every bundle is also held to the signer policy (:mod:`gaozhi_sdk.esign.policy`): organ
documents, checkpoints and the manifest must carry the seal of the organ they name — and
that organ must be one the auditor names (``organ_uscc``, ``gaozhi audit --organ``): without
it the verdict is at best INDETERMINATE (:mod:`gaozhi_sdk.sealing_organs`).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from gaozhi_sdk.canonical import sha256_hex
from gaozhi_sdk.errors import ArchiveError, GaozhiError
from gaozhi_sdk.esign import (
    DEFAULT_POLICY,
    Bundle,
    IdentityKind,
    Indication,
    Revocation,
    Signer,
    SignerPolicy,
    SubjectKind,
    TrustStore,
    payload_type_for,
    register_payload_type,
    sign,
    validate,
)
from gaozhi_sdk.esign.trust import trust_folder_files
from gaozhi_sdk.models import GaozhiModel, now_cst
from gaozhi_sdk.sealing_organs import expected_organs, organ_checks, sealing_organ
from gaozhi_sdk.store.base import Store
from gaozhi_sdk.store.journal import read_jsonl, verify_chain, write_jsonl

__all__ = [
    "ArchiveManifest",
    "AuditCheck",
    "AuditReport",
    "JournalCheckpoint",
    "audit_archive",
    "auditor_trust",
    "export_archive",
    "seal_organ",
]

FORMAT = "gaozhi-archive/1"
_MANIFEST = "manifest.json"
_MANIFEST_BUNDLE = "manifest.bundle.json"


class ArchiveManifest(GaozhiModel):
    """The signed table of contents of an archive."""

    format: str = Field(description="归档格式")
    organ_uscc: str = Field(description="签署清单的机关 (印章须为该机关的, DESIGN §4)")
    created_at: str = Field(description="导出时间")
    journal_count: int = Field(ge=0, description="台账条数")
    journal_head_seq: int = Field(ge=0, description="台账最后序号")
    journal_head_hash: str = Field(description="台账最后哈希")
    files: dict[str, str] = Field(description="文件相对路径 → SHA-256")


class JournalCheckpoint(GaozhiModel):
    """A signed statement of the journal head (DESIGN §6): entry ``seq`` has hash ``hash``."""

    seq: int = Field(ge=1, description="台账序号")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="该条台账的哈希")
    at: str = Field(description="检查点时间")
    organ_uscc: str = Field(description="签名机关")


register_payload_type("archive-manifest", ArchiveManifest)
register_payload_type("journal-checkpoint", JournalCheckpoint)


class AuditCheck(GaozhiModel):
    """One audit check."""

    name: str = Field(description="检查项")
    status: str = Field(description="PASSED / FAILED / INDETERMINATE")
    message: str = Field(default="", description="说明")
    message_en: str = Field(default="", description="英文说明 (English)")
    path: str | None = Field(default=None, description="涉及的文件")


class AuditReport(GaozhiModel):
    """The outcome of an archive audit."""

    archive: str = Field(description="归档目录")
    validated_at: str = Field(description="验证时间")
    trust_store_digest: str = Field(description="信任库摘要")
    bundles: dict[str, int] = Field(description="签名文件验证结果统计")
    journal_entries: int = Field(description="台账条数")
    checks: tuple[AuditCheck, ...] = Field(description="检查项 (仅列出失败和汇总)")
    exit_code: int = Field(description="0 通过, 1 失败, 2 不确定")

    @property
    def ok(self) -> bool:
        """True when everything passed."""
        return self.exit_code == 0


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _bundle_path(blob_id: str) -> str:
    safe = "/".join(p for p in blob_id.split("/") if p not in ("", ".", ".."))
    return f"bundles/{safe}.bundle.json"


def seal_organ(signer: Signer, policy: SignerPolicy = DEFAULT_POLICY) -> str:
    """The 统一社会信用代码 of the organ whose seal ``signer`` is (read from its certificate).

    Raises:
        ArchiveError: ``GZ-AR-004`` if the signer's certificate does not identify an
        organisation (a personal certificate may not sign a manifest).
    """
    chain = signer.certificate_chain
    subject = policy.subject_of(chain[0]) if chain else None
    uscc = subject.value(IdentityKind.USCC) if subject is not None else None
    if subject is None or subject.kind is not SubjectKind.ORGANISATION or uscc is None:
        raise ArchiveError(
            "GZ-AR-004",
            "签署清单的证书不是机关印章 (证书中没有唯一的统一社会信用代码)",
            message_en="the manifest signer's certificate is not an organ seal",
        )
    return uscc


def export_archive(
    store: Store,
    out_dir: str | Path,
    *,
    signer: Signer,
    trust_pems: Sequence[bytes],
    tsa_trust_pems: Sequence[bytes] = (),
) -> ArchiveManifest:
    """Write the archive of a store to ``out_dir`` and sign its manifest with ``signer``.

    Args:
        signer: the organ seal that signs the manifest (its USCC is the manifest's
            ``organ_uscc``).
        trust_pems / tsa_trust_pems: anchor copies written to ``trust/*.pem`` (document
            signing) and ``trust/tsa/*.pem`` (time-stamping), for the auditor's
            information — never trusted by the audit (DESIGN §4, §8).

    Raises:
        ArchiveError: ``GZ-AR-001`` (directory not empty), ``GZ-AR-004`` (not a seal).
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ArchiveError("GZ-AR-001", f"导出目录非空: {out}", message_en="directory not empty")
    organ = seal_organ(signer)
    (out / "trust").mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}

    def put(rel: str, data: bytes) -> None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        files[rel] = sha256_hex(data)

    for rel, pem in trust_folder_files(trust_pems, tsa_trust_pems).items():
        put(rel, pem)
    for blob in store.list_blobs("bundle"):
        put(_bundle_path(blob.id), blob.data)
    # Streamed: the store reads the journal page by page, the file is written line by line
    # and hashed in chunks, so memory does not grow with the journal (issue 12 item 7).
    head: dict[str, Any] = {"seq": 0, "hash": "0" * 64}

    def streamed() -> Iterator[dict[str, Any]]:
        for e in store.journal():
            d = e.to_json_dict()
            head.update(seq=d["seq"], hash=d["hash"])
            yield d

    count = write_jsonl(streamed(), out / "journal.jsonl")
    files["journal.jsonl"] = _file_sha256(out / "journal.jsonl")
    manifest = ArchiveManifest(
        format=FORMAT,
        organ_uscc=organ,
        created_at=now_cst().isoformat(),
        journal_count=count,
        journal_head_seq=int(head["seq"]),
        journal_head_hash=str(head["hash"]),
        files=dict(sorted(files.items())),
    )
    (out / _MANIFEST).write_text(
        json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    (out / _MANIFEST_BUNDLE).write_bytes(sign(manifest, signer).to_json())
    return manifest


# -- audit ---------------------------------------------------------------------------------


def auditor_trust(
    trust_pems: Sequence[bytes] | None,
    tsa_trust_pems: Sequence[bytes] | None = None,
    method_trust_pems: Mapping[str, Sequence[bytes]] | None = None,
) -> TrustStore:
    """The auditor's trust store — document-signing and time-stamping anchors, and the
    event-certificate / platform-attestation anchors of ``method_trust_pems`` (purpose →
    PEMs, DESIGN §4a), each for its purpose only (never the archive's own copies). Empty
    when the auditor gave none."""
    files = trust_folder_files(
        list(trust_pems or ()), list(tsa_trust_pems or ()), method_pems=method_trust_pems
    )
    return TrustStore.from_folder_files(files)


def no_anchor_check(what: str) -> AuditCheck:
    """The INDETERMINATE check of an audit run without the auditor's anchors."""
    return AuditCheck(
        name="trust_source",
        status="INDETERMINATE",
        message=(
            f"审计方未提供信任锚 (--trust): 仅检查了{what}的完整性与签名值; {what}自带的 "
            "trust/ 证书副本不被信任 (攻击者可自备整套 PKI), 结论至多为不确定。"
            "请用 --trust 指定您自己掌握的签章根证书, 用 --tsa-trust 指定时间戳根证书"
        ),
        path="trust/",
    )


_UNANCHORED = "NO_CERTIFICATE_CHAIN_FOUND"

_WORKER: tuple[TrustStore, bool, Revocation | None] | None = None


def _init_worker(
    files: dict[str, bytes], require_revocation: bool, revocation: Revocation | None
) -> None:
    global _WORKER  # noqa: PLW0603 - one trust store per worker process
    _WORKER = (TrustStore.from_folder_files(files), require_revocation, revocation)


def _init_pool_worker(
    files: dict[str, bytes], require_revocation: bool, revocation: Revocation | None
) -> None:
    """A worker process ignores Ctrl-C: the parent stops the pool (no worker tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(files, require_revocation, revocation)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued work and terminate the worker processes now (after an interrupt)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.join(timeout=5)


_Result = tuple[str, str, str, str, tuple[str, str] | None]


def _validate_chunk(args: tuple[list[str], str | None]) -> list[_Result]:
    paths, at_iso = args
    assert _WORKER is not None
    trust, require_revocation, revocation = _WORKER
    at = datetime.fromisoformat(at_iso) if at_iso else None
    out: list[_Result] = []
    for p in paths:
        try:
            data = Path(p).read_bytes()
        except OSError as exc:
            out.append((p, "TOTAL_FAILED", "FORMAT_FAILURE", f"无法读取: {exc.strerror}", None))
            continue
        report = validate(
            data, trust, at=at, require_revocation=require_revocation, revocation=revocation
        )
        sub = report.sub_indication.value if report.sub_indication else ""
        passed = report.indication is Indication.TOTAL_PASSED
        msg = "" if passed else report.summary_zh()
        organ = sealing_organ(data) if passed or sub == _UNANCHORED else None
        out.append((p, report.indication.value, sub, msg, organ))
    return out


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def audit_archive(
    archive: str | Path,
    *,
    trust_pems: Sequence[bytes] | None = None,
    tsa_trust_pems: Sequence[bytes] | None = None,
    at: datetime | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    require_revocation: bool = False,
    revocation: Revocation | None = None,
    organ_uscc: str | Sequence[str] | None = None,
    phase: Callable[[str], None] | None = None,
    method_trust_pems: Mapping[str, Sequence[bytes]] | None = None,
) -> AuditReport:
    """Audit an archive offline; see the module docstring.

    Args:
        trust_pems: the auditor's document-signing anchors (PEM). None or empty: the
            integrity is checked, the verdict is at best INDETERMINATE (exit 2).
        tsa_trust_pems: the auditor's time-stamping anchors (DESIGN §4: an anchor vouches
            only for its purpose).
        require_revocation: missing CRL/OCSP data makes a bundle INDETERMINATE.
        revocation: CRLs / OCSP responses the auditor brings, used beside each bundle's.
        organ_uscc: the organ(s) whose archive the auditor expects (``gaozhi audit
            --organ``, repeatable). The manifest, every journal checkpoint and every organ
            document must be sealed by one of them. Without it the verdict is at best
            INDETERMINATE (exit 2) and names the sealing organs found: any seal under the
            auditor's root is a valid seal of *its own* organ, so only this expectation
            stops another organ's seal from vouching for a rewritten journal (DESIGN §4,
            :mod:`gaozhi_sdk.sealing_organs`, tests/security/test_attack_archive_organ.py).
            Checkpoints must in any case be sealed by the manifest's organ.
        phase: told the name of each stretch before it starts (manifest, files, journal,
            bundles) so a command line can label the parts without a progress bar.
        method_trust_pems: the auditor's anchors for signing methods (DESIGN §4a):
            ``{"event_certificate": [...], "platform_attestation": [...]}`` PEMs.

    Raises ArchiveError GZ-AR-0xx only when the directory is not an archive at all, and
    InvalidIdentifierError GZ-ID-0xx for an ``organ_uscc`` that is not a valid code;
    everything else is reported.
    """
    expected = expected_organs(organ_uscc)
    root = Path(archive)
    if not root.is_dir() or not (root / _MANIFEST_BUNDLE).is_file():
        raise ArchiveError(
            "GZ-AR-002",
            f"不是 gaozhi 归档目录 (缺少 {_MANIFEST_BUNDLE}): {root}",
            message_en="not a gaozhi archive directory",
        )
    anchored = bool(trust_pems)
    trust_files = trust_folder_files(
        list(trust_pems or ()), list(tsa_trust_pems or ()), method_pems=method_trust_pems
    )
    trust = TrustStore.from_folder_files(trust_files)  # = auditor_trust(...), files for workers
    checks: list[AuditCheck] = [] if anchored else [no_anchor_check("归档")]
    failed, indeterminate = False, not anchored

    def fail(name: str, msg: str, path: str | None = None, status: str = "FAILED") -> None:
        nonlocal failed, indeterminate
        checks.append(AuditCheck(name=name, status=status, message=msg, path=path))
        if status == "FAILED":
            failed = True
        else:
            indeterminate = True

    def usable(indication: str, sub: str) -> bool:
        """Passed — or, without anchors, failed only for want of an anchor."""
        return indication == "TOTAL_PASSED" or (
            not anchored and indication == "INDETERMINATE" and sub == _UNANCHORED
        )

    def stage(label: str) -> None:
        if phase is not None:
            phase(label)

    # 1. signed manifest
    stage("核对签名的归档清单")
    manifest: ArchiveManifest | None = None
    manifest_data = (root / _MANIFEST_BUNDLE).read_bytes()
    report = validate(
        manifest_data,
        trust,
        at=at,
        require_revocation=require_revocation,
        revocation=revocation,
    )
    sub = report.sub_indication.value if report.sub_indication else ""
    if not usable(report.indication.value, sub):
        fail(
            "manifest_signature",
            report.summary_zh(),
            _MANIFEST_BUNDLE,
            "FAILED" if report.indication is Indication.TOTAL_FAILED else "INDETERMINATE",
        )
    else:
        b = Bundle.from_json(manifest_data)
        manifest = ArchiveManifest.model_validate_json(b.payload)
        checks.append(
            AuditCheck(
                name="manifest_signature",
                status="PASSED" if anchored else "INDETERMINATE",
                message="归档清单签名有效"
                if anchored
                else "归档清单签名值正确, 但未对照审计方信任锚验证签名证书",
            )
        )
    # 2. files
    stage("核对文件摘要")
    listed = manifest.files if manifest else {}
    present = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name not in (_MANIFEST, _MANIFEST_BUNDLE)
    }
    for rel, digest in sorted(listed.items()):
        p = root / rel
        if not p.is_file():
            fail("file_missing", f"清单所列文件缺失: {rel}", rel)
        elif _file_sha256(p) != digest:
            fail("file_digest", f"文件内容与清单所载 SHA-256 不一致: {rel}", rel)
    for rel in sorted(present - set(listed)):
        if manifest is not None:
            fail("file_unlisted", f"文件未列入签名清单: {rel}", rel)
    # 3. journal
    stage("核对台账哈希链与检查点")
    # Streamed in one pass (memory flat in the journal's length): the chain check, the
    # digests of bound bundles and the hashes at the checkpoints' sequence numbers.
    checkpoints: list[tuple[str, JournalCheckpoint | None]] = []
    for p in sorted((root / "bundles" / "journal-checkpoint").glob("*.bundle.json")):
        rel = p.relative_to(root).as_posix()
        try:
            parsed = Bundle.from_json(p.read_bytes()).payload
            checkpoints.append((rel, JournalCheckpoint.model_validate_json(parsed)))
        except GaozhiError:
            continue  # reported as a bundle failure below
        except ValueError:
            checkpoints.append((rel, None))
    wanted = {point.seq for _, point in checkpoints if point is not None}
    by_seq: dict[Any, Any] = {}
    bound: set[str] = set()
    n_entries = 0

    def journal_lines() -> Iterator[Any]:
        nonlocal n_entries
        if not (root / "journal.jsonl").is_file():
            return
        for e in read_jsonl(root / "journal.jsonl"):
            n_entries += 1
            if isinstance(e, dict):
                if isinstance(e.get("detail"), dict):
                    bound.add(str(e["detail"].get("bundle_sha256")))
                if e.get("seq") in wanted:
                    by_seq[e.get("seq")] = e.get("hash")
            yield e

    chain = verify_chain(
        journal_lines(),
        expected_head=manifest.journal_head_hash if manifest else None,
        expected_count=manifest.journal_count if manifest else None,
    )
    for seq, code, msg in chain.problems:
        fail("journal", f"[{code}] 第 {seq} 条: {msg}", "journal.jsonl")
    # 4. bundles, in parallel
    stage("验证签名文件")
    bundle_files = sorted(str(p) for p in (root / "bundles").rglob("*.bundle.json"))
    counts = {"TOTAL_PASSED": 0, "TOTAL_FAILED": 0, "INDETERMINATE": 0}
    jobs = jobs or os.cpu_count() or 1
    size = max(16, len(bundle_files) // (jobs * 8) or 1)
    work = [(c, at.isoformat() if at else None) for c in _chunks(bundle_files, size)]
    done = 0
    results: list[_Result] = []
    init = (trust_files, require_revocation, revocation)
    if jobs > 1 and len(bundle_files) > size:
        pool = ProcessPoolExecutor(jobs, initializer=_init_pool_worker, initargs=init)
        try:
            for part in pool.map(_validate_chunk, work):
                results.extend(part)
                done += len(part)
                if progress:
                    progress(done, len(bundle_files))
        except BaseException:  # Ctrl-C or a worker failure: no process is left behind
            _stop_pool(pool)
            raise
        pool.shutdown()
    else:
        _init_worker(*init)
        for w in work:
            part = _validate_chunk(w)
            results.extend(part)
            done += len(part)
            if progress:
                progress(done, len(bundle_files))
    sealer = manifest.organ_uscc if manifest is not None else None
    for rel, point in checkpoints:
        if point is not None and sealer is not None and point.organ_uscc != sealer:
            fail(
                "archive_organ",
                f"台账检查点由机关 {point.organ_uscc} 盖章, 与归档清单的机关 {sealer} 不一致",
                rel,
            )
    sealed = [(_MANIFEST_BUNDLE, payload_type_for(ArchiveManifest), sealer)] if sealer else []
    sealed += [
        (Path(path).relative_to(root).as_posix(), *organ)
        for path, _, _, _, organ in results
        if organ is not None
    ]
    for c in organ_checks(expected, sealed, "归档", "archive"):
        checks.append(c)
        failed = failed or c.status == "FAILED"
        indeterminate = indeterminate or c.status == "INDETERMINATE"
    for rel, point in checkpoints:
        if point is None:
            fail("checkpoint", "检查点内容无法解析", rel)
        elif by_seq.get(point.seq) != point.hash:
            fail("checkpoint", f"台账第 {point.seq} 条的哈希与签名检查点不一致 (台账被改写)", rel)
    unanchored = 0
    for path, indication, sub, msg, _ in results:
        counts[indication] = counts.get(indication, 0) + 1
        rel = Path(path).relative_to(root).as_posix()
        if not usable(indication, sub):
            fail(
                "bundle",
                f"{indication}/{sub}: {msg}",
                rel,
                "FAILED" if indication == "TOTAL_FAILED" else "INDETERMINATE",
            )
            continue
        if indication != "TOTAL_PASSED":
            unanchored += 1
        if sha256_hex(Path(path).read_bytes()) not in bound:
            fail("bundle_unbound", "签名文件的摘要未记入台账 (可能被替换)", rel)
    if unanchored:
        checks.append(
            AuditCheck(
                name="bundle_chains",
                status="INDETERMINATE",
                message=f"{unanchored} 个签名文件的签名值与签名者策略已检查, "
                "但签名证书链未对照审计方信任锚验证",
            )
        )
    if not failed and not indeterminate:
        checks.append(
            AuditCheck(
                name="summary",
                status="PASSED",
                message=f"{len(bundle_files)} 个签名文件与 {n_entries} 条台账全部通过"
                + f"; 归档由审计方指定的机关 {sealer} 盖章",
                message_en=f"{len(bundle_files)} bundles and {n_entries} journal entries all "
                f"passed; the archive is sealed by {sealer}, the organ the auditor named",
            )
        )
    return AuditReport(
        archive=str(root),
        validated_at=(at or now_cst()).isoformat(),
        trust_store_digest=trust.digest(),
        bundles=counts,
        journal_entries=n_entries,
        checks=tuple(checks),
        exit_code=1 if failed else 2 if indeterminate else 0,
    )


def load_json(path: Path) -> Any:
    """Read a JSON file with a coded error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(
            "GZ-AR-003", f"无法读取 JSON 文件 {path}: {exc}", message_en="cannot read JSON"
        ) from exc
