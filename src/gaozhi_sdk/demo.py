"""``gaozhi demo``: a reproducible end-to-end run on the embedded store (DESIGN §8).

N synthetic applications go through the whole lifecycle against the sample commitment
list, on a simulated clock: notices, free choices, the credit gate, signed pledges (some by
specially authorised proxies), acceptance, withdrawals, verification by every method
(online through an in-process fake data-sharing provider, on site, assisted — with
written refusals — and 双随机 draws for exempt items), overdue escalation, false pledges,
dispositions, credit records with publicity, objections, repair and expiry, complaints,
refused attempts, and list adjustment. It leaves ``DIR/gaozhi.db``, the evidence archive
``DIR/archive/`` (bundles, journal, trust anchors, signed manifest) and the bureau report
``DIR/report.md`` / ``report.json``; progress goes to stderr, the summary to stdout.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the staging folder still protects
    fcntl = None  # type: ignore[assignment]

from gaozhi_sdk.archive import export_archive
from gaozhi_sdk.errors import ConfigError, GaozhiError, SignatureError
from gaozhi_sdk.esign import AnchorPurpose, sign
from gaozhi_sdk.ids import mask_identifier, mask_text
from gaozhi_sdk.models import (
    CST,
    Actor,
    Applicant,
    CaseStatus,
    CreditRepairApplication,
    CreditStatus,
    Decision,
    DisclosurePolicy,
    DispositionAction,
    Evidence,
    ObjectionOutcome,
    ProofChoice,
    ProofMode,
    Proxy,
    RepairDecision,
    ReviewRecord,
    SpecialAuthorization,
    VerificationMethod,
    VerificationResult,
    VerificationStatus,
)
from gaozhi_sdk.models.enums import ActorRole, AssistanceReply
from gaozhi_sdk.rules import load_list
from gaozhi_sdk.service import PledgeService, render_markdown
from gaozhi_sdk.testing.clock import SimulatedClock
from gaozhi_sdk.testing.emulator.online import EmulatedOnlineVerification
from gaozhi_sdk.testing.fakes import FakeDataSharingProvider
from gaozhi_sdk.testing.pki import TestPKI
from gaozhi_sdk.testing.sandbox import sample_impact_assessment, sample_list_text
from gaozhi_sdk.testing.synthetic import synthetic_applicant
from gaozhi_sdk.workflow.machines import MACHINES

__all__ = ["DemoSummary", "run_demo"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
POLICE_USCC = "11411222005123026Q"
POLICE_NAME = "三门峡市陕州区公安局"


@dataclass
class DemoSummary:
    """What the demo did; ``render()`` is printed on stdout."""

    workdir: Path
    applications: int
    visited: dict[str, set[str]] = field(default_factory=dict)
    final: dict[str, Counter[str]] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    journal_entries: int = 0
    bundles: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    #: the store URL when the demo ran on a server store (``--db``), password removed
    db_display: str | None = None
    #: the 统一社会信用代码 of the organ whose seal signs the archive (``gaozhi audit --organ``)
    organ_uscc: str = ""

    @property
    def missing(self) -> dict[str, list[str]]:
        """States of each machine the run never reached."""
        out = {}
        for name, m in MACHINES.items():
            miss = sorted(set(m.states) - self.visited.get(name, set()))
            if miss:
                out[name] = miss
        return out

    @property
    def ok(self) -> bool:
        """True when every state of every machine was reached."""
        return not self.missing

    def render(self) -> str:
        """Human summary (Chinese)."""
        d = self.workdir
        lines = [
            f"gaozhi demo: {self.applications} 件合成申请已走完生命周期",
            f"工作目录: {d}",
            f"  数据库: {self.db_display or d / 'gaozhi.db'}",
            f"  证据归档: {d / 'archive'} ({self.bundles} 个签名文件, "
            f"{self.journal_entries} 条台账)",
            f"  统计报告: {d / 'report.md'}, {d / 'report.json'}",
        ]
        if (d / "documents").is_dir():
            lines.append(f"  文书: {d / 'documents'} (告知书、承诺书、公开件、清单与书面总结)")
        lines.append(f"  演示密钥与证书: {d / 'pki'} (含私钥, 文件权限 0600; 仅供演示, 勿用于生产)")
        lines += ["", "各状态机最终状态分布:"]
        for name, m in MACHINES.items():
            c = self.final.get(name, Counter())
            if name == "journal":
                shown = f"{self.journal_entries} 条, 哈希链已由签名检查点覆盖"
            else:
                shown = ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "无记录"
            lines.append(f"  {m.label_zh} ({name}): {shown}")
        lines.append("")
        lines.append(
            "拒绝的操作 (已记入台账): "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.refused.items())) or "无")
        )
        if self.totals:
            lines.append("")
            lines.append("统计 (report.json 的 totals):")
            for k, v in self.totals.items():
                lines.append(f"  {_TOTAL_ZH.get(k, k)} ({k}): {v}")
        miss = self.missing
        lines.append("")
        if not miss:
            lines.append("状态覆盖: 全部状态均已到达")
        else:
            lines.append("状态覆盖: 以下状态本次未到达 (申请数较少时属正常; 默认 200 件可全部覆盖)")
            for name, states in miss.items():
                lines.append(f"  {MACHINES[name].label_zh} ({name}): {', '.join(states)}")
        lines.append("")
        lines.append("下一步:")
        organ = f" --organ {self.organ_uscc}" if self.organ_uscc else ""
        lines.append(f"  gaozhi audit {d / 'archive'} --trust {d / 'pki'}{organ}")
        lines.append(f"  gaozhi cases --workdir {d}")
        lines.append(f"  gaozhi report --workdir {d} --out 报告.docx")
        return "\n".join(lines)


_TOTAL_ZH = {
    "cases": "办件",
    "pledges": "承诺书",
    "withdrawals": "撤回承诺",
    "verifications": "核查",
    "false_pledges": "虚假承诺",
    "overdue": "逾期核查",
    "credit_records": "信用记录",
    "penalties_refused_for_limitation": "因追责时效不予处罚",
    "complaints": "投诉举报",
}


def run_demo(
    workdir: Path,
    *,
    applications: int = 200,
    seed: int = 20210420,
    progress: Callable[[int, int], None] | None = None,
    phase: Callable[[str], None] | None = None,
    db: str | None = None,
) -> DemoSummary:
    """Run the demo into ``workdir`` (must not exist or be empty).

    ``db``: a store URL (e.g. ``postgresql://…``) to run on instead of ``DIR/gaozhi.db``;
    the store must hold no journal yet. Archive, reports, documents and keys still go to
    ``workdir``.

    The run is built in a hidden sibling folder and moved into place only when complete,
    so an interrupted or failed run (Ctrl-C, a full disk) leaves ``workdir`` as it was; a
    second run into the same ``workdir`` while one is going is refused (GZ-CLI-014).
    ``phase`` is told the name of each stage (for progress display).

    Raises:
        ConfigError: GZ-CLI-010 (``workdir`` not empty), GZ-CLI-018 (cannot be created),
            GZ-CLI-014 (another run holds it).
    """
    workdir = Path(workdir)
    if workdir.exists() and (not workdir.is_dir() or any(workdir.iterdir())):
        raise ConfigError(
            "GZ-CLI-010",
            f"工作目录须不存在或为空: {workdir}",
            message_en="workdir must be absent or empty",
            details={"path": str(workdir)},
        )
    with _staging(workdir) as stage:
        demo = _Demo(stage, applications, seed, progress, phase, db=db)
        try:
            summary = demo.run()
        finally:
            if demo.online is not None:
                demo.online.close()
            if demo.tsa is not None:
                demo.tsa.stop()
        if workdir.exists():
            workdir.rmdir()  # empty (checked above); replaced by the finished run
        os.replace(stage, workdir)
    summary.workdir = workdir
    return summary


@contextmanager
def _staging(workdir: Path) -> Iterator[Path]:
    """A locked, hidden build folder beside ``workdir``; removed unless moved into place."""
    parent = workdir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(parent / f".{workdir.name}.demo-lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(
            "GZ-CLI-018",
            f"不能创建工作目录 {workdir}: {exc.strerror or exc}",
            message_en=f"cannot create the working directory: {exc.strerror or exc}",
            details={"path": str(workdir)},
        ) from exc
    stage = parent / f".{workdir.name}.demo-partial"
    try:
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ConfigError(
                    "GZ-CLI-014",
                    f"另一个 gaozhi demo 正在使用工作目录 {workdir}; 请等它结束或换一个目录",
                    message_en="another gaozhi demo is using this working directory",
                    details={"path": str(workdir)},
                ) from None
        if stage.exists():  # left by a run that was killed: nobody holds the lock
            shutil.rmtree(stage)
        stage.mkdir(mode=0o755)
        try:
            yield stage
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)
    finally:
        Path(parent / f".{workdir.name}.demo-lock").unlink(missing_ok=True)
        os.close(lock)


def _private_keys_0600(folder: Path) -> None:
    """Private keys of the demo PKI readable by the owner only (``pki/`` is 0700)."""
    if not folder.is_dir():
        return
    folder.chmod(0o700)
    for key in folder.rglob("*.key.pem"):
        key.chmod(0o600)


def _save_seal(seal: Any, folder: Path) -> None:
    """Write the owner organ's seal key and chain (P-256 only; SM2 seals are skipped)."""
    from cryptography.hazmat.primitives import serialization

    from gaozhi_sdk.esign import EcdsaP256Signer

    if not isinstance(seal, EcdsaP256Signer):
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seal.key.pem").write_bytes(
        seal.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "seal.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in seal.certificate_chain)
    )


def _local_tsa(clock: Callable[[], datetime]) -> Any | None:
    """A local RFC 3161 TSA on 127.0.0.1 for the demo (issue 3), or None if unavailable."""
    if os.environ.get("GAOZHI_DEMO_TSA", "1") == "0":
        return None
    try:
        from gaozhi_sdk.testing.tsa import LocalTSA
    except ImportError:  # asn1crypto missing: pledges stay without time-stamps
        return None
    tsa = LocalTSA.create(
        not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650), clock=clock
    )
    tsa.start()
    return tsa


def _sm2_test_pki() -> TestPKI | None:
    """An SM2 test PKI when a plugin registers SM2 key generation (the SM2 plugin does),
    else None — the one :class:`TestPKI`, never the plugin imported by name."""
    try:
        return TestPKI.create(
            algorithm="sm2",
            not_before=START - timedelta(days=30),
            not_after=START + timedelta(days=3650),
        )
    except SignatureError as exc:
        if exc.code == "GZ-SG-001":  # no plugin generates SM2 keys: P-256 seals
            return None
        raise


class _Demo:
    def __init__(
        self,
        workdir: Path,
        n: int,
        seed: int,
        progress: Callable[[int, int], None] | None,
        phase: Callable[[str], None] | None = None,
        db: str | None = None,
    ) -> None:
        self.dir = workdir
        self.db = db
        self.n = max(n, 1)
        self.rng = random.Random(seed)
        self.progress = progress
        self.phase = phase or (lambda label: None)
        self.clock = SimulatedClock(START)
        self.pki = TestPKI.create(
            not_before=START - timedelta(days=30), not_after=START + timedelta(days=3650)
        )
        self.summary = DemoSummary(workdir, self.n)
        self.provider = FakeDataSharingProvider(fault_rate=0.1, seed=seed)
        self.truth = self.provider.truth
        # Online verification goes to the emulator on 127.0.0.1 through
        # gaozhi-plugin-sharing-http with faults switched on (issue 4); without the plugin
        # (or with GAOZHI_DEMO_EMULATOR=0) the in-process fake answers.
        self.online = EmulatedOnlineVerification.start(workdir, seed)
        counter = iter(range(1, 10**9))
        self.clist = load_list(sample_list_text())
        owner = self.clist.owner_uscc or ""
        self.owner = owner
        self.summary.organ_uscc = owner
        # Organ seals sign with SM2 when the SM2 plugin is installed (issue 3), else P-256.
        self.sm2_pki = _sm2_test_pki()
        seal_pki: Any = self.sm2_pki or self.pki
        seals = {
            owner: seal_pki.organ_seal(
                self.clist.owner_organ, owner, not_before=START - timedelta(days=1)
            ),
            POLICE_USCC: seal_pki.organ_seal(
                POLICE_NAME, POLICE_USCC, not_before=START - timedelta(days=1)
            ),
        }
        self.seal = seals[owner]
        trust = self.pki.trust_store()
        self.trust_pems = [self.pki.root_pem()]
        self.tsa_trust_pems: list[bytes] = []
        if self.sm2_pki is not None:
            trust.add_root(self.sm2_pki.root_certificate)
            self.trust_pems.append(self.sm2_pki.root_pem())
        # The organ's TSA: a local RFC 3161 TSA over HTTP on 127.0.0.1.
        self.tsa = _local_tsa(self.clock)
        self.tsa_client: Any = None
        if self.tsa is not None:
            from gaozhi_sdk.esign import HttpTimestampAuthority

            # A time-stamping anchor only: the TSA root vouches for no document signer.
            trust.add_root(self.tsa.root_certificate, purposes=AnchorPurpose.TIME_STAMPING)
            self.tsa_trust_pems.append(self.tsa.root_pem())
            self.tsa_client = HttpTimestampAuthority(self.tsa.url)
        self.svc = PledgeService.open(
            db or f"sqlite:///{workdir / 'gaozhi.db'}",
            signers=seals,
            trust=trust,
            clock=self.clock,
            id_factory=lambda p: f"{p}-{next(counter):06d}",
            online_verifier=self.online.verifier if self.online else self.provider,
            # The organ's own TSA stamps every sealed document and every submitted pledge;
            # tokens a pledge arrives with never establish its time (issue 9).
            tsa=self.tsa_client,
        )
        if db is not None:
            from gaozhi_sdk.store.postgres import redact_url

            self.summary.db_display = redact_url(db) if "://" in db else db
            if self.svc.store.journal_head() is not None:
                self.svc.close()
                raise ConfigError(
                    "GZ-CLI-010",
                    f"演示须在空存储上运行, 该存储已有台账: {self.summary.db_display}",
                    message_en="the demo needs an empty store (this one has a journal)",
                    details={"db": self.summary.db_display},
                )
        self.clerk = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK0001", organ_uscc=owner)
        self.inspector = Actor(role=ActorRole.INSPECTOR, actor_id="IN0007", organ_uscc=owner)
        self.credit_officer = Actor(
            role=ActorRole.CREDIT_OFFICER, actor_id="CR0003", organ_uscc=owner
        )
        self.police = Actor(role=ActorRole.INSPECTOR, actor_id="GA0101", organ_uscc=POLICE_USCC)
        self.system = Actor(role=ActorRole.SYSTEM, actor_id="system")
        self.liars: list[Applicant] = []
        self.scen: dict[str, _Scenario] = {}
        self.applicant_signers: dict[str, Any] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _try(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run an attempt the scenario expects to be refused; count it."""
        try:
            return fn()
        except GaozhiError as exc:
            self.summary.refused[f"{what} {exc.code}"] += 1
            return None

    def _actor_for(self, app: Applicant) -> Actor:
        return Actor(role=ActorRole.APPLICANT, actor_id=app.id_number)

    def _signer_for(self, app: Applicant) -> Any:
        """The applicant's own certificate, its identifier encoded as real CAs do (the
        strict signer policy matches it against the pledgor or named proxy)."""
        key = app.id_number
        if key not in self.applicant_signers:
            n = len(self.applicant_signers) + 1
            label = f"{mask_text(app.name, 'name')} {mask_identifier(app.id_number)} #{n}"
            encodings = ("serialNumber", "etsi", "gmt0015", "otherName")
            self.applicant_signers[key] = self.pki.applicant(
                label,
                app.id_number,
                encoding=encodings[n % len(encodings)],
                not_before=START - timedelta(days=1),
                not_after=START + timedelta(3650),
            )
        return self.applicant_signers[key]

    def _tick(self, i: int) -> None:
        if self.progress:
            self.progress(i, self.n)

    # -- phases ----------------------------------------------------------------------------
    def run(self) -> DemoSummary:
        self.phase("编制、审核并公布清单")
        self._lists()
        self.phase("受理申请 (告知、选择、信用审查、签署承诺书)")
        cases = []
        for i in range(self.n):
            cases.append(self._intake(i))
            if (i + 1) % 50 == 0:
                self.svc.checkpoint_journal(self.owner, self.system)
        self.phase("事中核查与作出决定")
        self._in_process_and_decide([c for c in cases if c])
        self.phase("事后核查")
        self._post_decision()
        self.phase("双随机抽查")
        self._draws()
        self.phase("处置不实承诺")
        self._dispose()
        self._overdue()
        self._repeat_applicants()
        self.phase("信用记录: 公示、异议、修复与期满")
        self._credit_lifecycle()
        self._close_and_expire()
        self.phase("投诉举报与被拒绝的操作")
        self._complaints_and_refusals()
        self._list_adjustment()
        return self._finish()

    def _lists(self) -> None:
        officer = Actor(role=ActorRole.LIST_OFFICER, actor_id="LS0001", organ_uscc=self.owner)
        reviewer = Actor(
            role=ActorRole.JUSTICE_REVIEWER, actor_id="SF0001", organ_uscc="11411222005123085U"
        )
        self.officer, self.reviewer = officer, reviewer
        cl = self.clist
        self.svc.lists.draft(cl, officer)
        self.svc.lists.submit(cl.list_id, cl.version, officer)
        self._try(
            "reject_unreviewed",
            lambda: self.svc.lists.publish(cl.list_id, cl.version, _review(), officer),
        )
        self.svc.lists.publish(cl.list_id, cl.version, _review(), reviewer)
        self.entries = {e.entry_id: e for e in cl.entries}
        for e in cl.entries:  # assess before any natural person's pledge is published
            if e.pledge_disclosure is DisclosurePolicy.PUBLIC_REDACTED:
                self.svc.disclosure.record_impact_assessment(
                    sample_impact_assessment(self.owner, e.entry_id, self.clock().date()), officer
                )

    def _scenario(self, i: int) -> _Scenario:
        if i < len(_SCRIPT):
            return _SCRIPT[i]
        rng = self.rng
        flow = rng.choices(
            [
                "notice_only",
                "decline",
                "pledge_stay",
                "withdraw_pledged",
                "withdraw_accepted",
                "accept_stay",
                "full",
            ],
            [2, 4, 2, 3, 3, 3, 83],
        )[0]
        return _Scenario(
            entry=rng.choice(sorted(self.entries)),
            flow=flow,
            lying=rng.random() < 0.1,
            no_data=rng.random() < 0.07,
            legal=rng.random() < 0.2,
            proxy=rng.random() < 0.1,
            leave_open=rng.random() < 0.06,
            refuse_assist=rng.random() < 0.15,
            disposal=rng.choice(["rectify_ok", "rectify_fail", "revoke", "revoke_penalty"]),
        )

    def _intake(self, i: int) -> str | None:
        rng, svc = self.rng, self.svc
        self.clock.advance(minutes=rng.randrange(5, 90))
        self._tick(i + 1)
        sc = self._scenario(i)
        entry = self.entries[sc.entry]
        app = synthetic_applicant(rng, legal_person=sc.legal)
        if not sc.no_data:
            self.truth[(app.id_number, sc.entry)] = not sc.lying
            if self.online is not None:
                self.online.record_truth(app.id_number, app.name, sc.entry, not sc.lying)
        notice = svc.cases.issue_notice(
            list_id=self.clist.list_id, entry_ids=[sc.entry], applicant=app, actor=self.clerk
        )
        case_no = notice.case_no
        self.scen[case_no] = sc
        if sc.lying:
            self.liars.append(app)
        if sc.flow == "notice_only":
            return None  # notice given, the applicant has not chosen yet (NOTICE_ISSUED)
        mode = ProofMode.DOCUMENT if sc.flow == "decline" else ProofMode.PLEDGE
        svc.cases.record_choices(
            case_no, [ProofChoice(entry_id=sc.entry, mode=mode)], self._actor_for(app)
        )
        if (
            mode is ProofMode.DOCUMENT
            or not svc.cases.check_eligibility(case_no, self.clerk).eligible
        ):
            return None
        if not entry.proxy_allowed and sc.proxy:
            self._proxy_attempt(case_no, app, [sc.entry])  # refused
        if sc.proxy and entry.proxy_allowed and not sc.legal:
            proxy_app = synthetic_applicant(rng)
            proxy = _proxy(proxy_app, app, entry.matter_code, [sc.entry], self.clock().date())
            # the applicant signs the special authorisation, the proxy attaches it
            grant = svc.cases.authorization_to_sign(case_no, proxy)
            proxy = proxy.with_signed_grant(sign(grant, self._signer_for(app)).to_json())
            pledge = svc.cases.draft_pledge(case_no, proxy=proxy)
            svc.cases.submit_pledge(
                sign(pledge, self._signer_for(proxy_app)),
                Actor(role=ActorRole.PROXY, actor_id=proxy_app.id_number),
            )
        else:
            pledge = svc.cases.draft_pledge(case_no)
            if i % 40 == 7:  # a pledge that does not answer the notice is refused
                forged = pledge.model_copy(update={"notice_hash": "0" * 64})
                self._try(
                    "submit_pledge",
                    lambda: svc.cases.submit_pledge(
                        sign(forged, self._signer_for(app)), self._actor_for(app)
                    ),
                )
            svc.cases.submit_pledge(sign(pledge, self._signer_for(app)), self._actor_for(app))
        if sc.flow == "pledge_stay":
            return None
        if sc.flow == "withdraw_pledged":
            svc.cases.withdraw(
                case_no, "申请人已自行取得证明, 改按原程序办理", self._actor_for(app)
            )
            return None
        svc.cases.accept(case_no, self.clerk)
        return case_no

    def _proxy_attempt(self, case_no: str, app: Applicant, entry_ids: list[str]) -> None:
        """A proxy on an entry that forbids proxies (R-025) is refused."""
        proxy_app = synthetic_applicant(self.rng)
        entry = self.entries[entry_ids[0]]
        proxy = _proxy(proxy_app, app, entry.matter_code, entry_ids, self.clock().date())
        self._try(
            "proxy_not_allowed",
            lambda: self.svc.cases.submit_pledge(
                sign(
                    self.svc.cases.draft_pledge(case_no, proxy=proxy), self._signer_for(proxy_app)
                ),
                Actor(role=ActorRole.PROXY, actor_id=proxy_app.id_number),
            ),
        )

    def _verify(self, vid: str, *, finish: bool = False) -> None:
        """Drive one verification as far as its scenario goes (``finish`` ignores leave_open)."""
        svc = self.svc
        for _ in range(8):
            v = svc.verifications.get(vid)
            if v.status in (
                VerificationStatus.CONCLUDED,
                VerificationStatus.CANCELLED,
                VerificationStatus.DAILY_SUPERVISION,
            ):
                return
            case = svc.cases.get(v.case_no)
            sc = self.scen[case.case_no]
            truth = not sc.lying
            hold = sc.leave_open and not finish
            if v.method is VerificationMethod.ONLINE:
                svc.verifications.run_online(vid)
            elif v.method is VerificationMethod.ON_SITE:
                if v.status is not VerificationStatus.ON_SITE_TASK:
                    svc.verifications.dispatch_on_site(vid, "IN0007", self.inspector)
                if hold:
                    return
                res = VerificationResult.TRUE if truth else VerificationResult.FALSE
                if sc.refuse_assist and v.evidence and self.rng.random() < 0.3:
                    res = VerificationResult.INCONCLUSIVE  # 补充核查
                svc.verifications.record_on_site(
                    vid, res, self.inspector, [Evidence(kind="现场检查记录", ref=f"XC-{vid}")]
                )
            elif v.method is VerificationMethod.ASSISTED:
                if v.status is not VerificationStatus.ASSIST_REQUESTED:
                    svc.verifications.request_assistance(
                        vid,
                        requested_organ=POLICE_USCC,
                        question="请核实申请人承诺事项是否属实",
                        actor=self.inspector,
                    )
                if hold:
                    return
                aid = svc.verifications.get(vid).assistance_id or ""
                if sc.refuse_assist and not any(e.kind == "拒绝协助" for e in v.evidence):
                    self._try(
                        "refusal_without_reason",
                        partial(
                            svc.verifications.reply_assistance,
                            aid,
                            AssistanceReply.REFUSED,
                            self.police,
                        ),
                    )
                    svc.verifications.reply_assistance(
                        aid,
                        AssistanceReply.REFUSED,
                        self.police,
                        refusal_reason="相关档案已移交市级档案馆, 本机关无法查询",
                    )
                    sc.refuse_assist = False
                else:
                    svc.verifications.reply_assistance(
                        aid,
                        AssistanceReply.CONFIRMED if truth else AssistanceReply.DENIED_FACT,
                        self.police,
                    )
            else:
                return

    def _in_process_and_decide(self, cases: list[str]) -> None:
        self.clock.advance(days=2)
        self.decided: list[str] = []
        for n, cno in enumerate(cases):
            sc = self.scen[cno]
            if sc.flow == "withdraw_accepted":  # open verifications are cancelled
                case = self.svc.cases.get(cno)
                self.svc.cases.withdraw(
                    cno, "申请人经营计划调整, 撤回申请", self._actor_for(case.applicant)
                )
                continue
            for v in self.svc.verifications.list(case_no=cno):
                if v.phase.value == "IN_PROCESS":
                    self._verify(v.verification_id)
            if sc.flow == "accept_stay":
                continue
            try:
                self.svc.cases.decide(
                    cno,
                    Decision(decision_no=f"陕准字〔2026〕{n + 1}号", decided_at=self.clock()),
                    self.clerk,
                )
                self.decided.append(cno)
            except GaozhiError as exc:
                self.summary.refused[f"decide {exc.code}"] += 1

    def _post_decision(self) -> None:
        self.clock.advance(days=7)
        for cno in self.decided:
            for v in self.svc.verifications.list(case_no=cno):
                self._verify(v.verification_id)

    def _draws(self) -> None:
        self.clock.advance(days=3)
        draws = self.svc.verifications.draw_inspections(
            self.owner,
            ["IN0007", "IN0008", "IN0009"],
            self.inspector,
            seed_hex=f"{self.rng.getrandbits(128):032x}",
            rate_percent=30,
        )
        for d in draws:
            for vid in d.selected:
                case = self.svc.cases.get(self.svc.verifications.get(vid).case_no)
                adverse = case.applicant in self.liars
                self.svc.verifications.record_supervision(
                    vid, adverse, self.inspector, [Evidence(kind="双随机抽查记录", ref=d.draw_id)]
                )

    def _dispose(self) -> None:
        self.clock.advance(days=1)
        self.rectifying: list[str] = []
        for v in self.svc.verifications.list(status=VerificationStatus.CONCLUDED):
            if v.result is not VerificationResult.FALSE:
                continue
            case = self.svc.cases.get(v.case_no)
            if case.disposition_id or case.status not in (CaseStatus.ACCEPTED, CaseStatus.DECIDED):
                continue
            sc = self.scen[case.case_no]
            extra: list[DispositionAction] = []
            kw: dict[str, Any] = {}
            if sc.disposal == "revoke_penalty" or case.applicant.id_type.value == "USCC":
                extra.append(DispositionAction.ADMIN_PENALTY)
                kw["penalty_ref"] = f"陕市监罚〔2026〕{len(self.rectifying) + 11}号"
            if sc.disposal == "revoke_penalty" and sc.legal:
                extra.append(DispositionAction.REFER_JUDICIAL)
                kw["referral_ref"] = "陕移〔2026〕3号"
            if case.status is CaseStatus.ACCEPTED:
                main = DispositionAction.TERMINATE
            elif sc.disposal.startswith("rectify"):
                main = DispositionAction.ORDER_RECTIFICATION
                kw["rectification_due"] = self.clock().date() + timedelta(days=30)
            else:
                main = DispositionAction.REVOKE_DECISION
            d = self.svc.credit.dispose(
                case.case_no,
                [main, *extra],
                self.inspector,
                social_impact="申请人以不实承诺取得或试图取得行政决定",
                **kw,
            )
            if main is DispositionAction.ORDER_RECTIFICATION:
                self.rectifying.append(case.case_no)
            rec = self.svc.credit.get(d.credit_record_id or "")
            if rec.publicity.published:
                self.svc.credit.publicize(rec.record_id, self.credit_officer)

    def _overdue(self) -> None:
        self.clock.advance(days=75)
        self.svc.sweep(self.system)
        self.clock.advance(days=3)
        self.svc.sweep(self.system)
        for v in self.svc.verifications.list(status=VerificationStatus.OVERDUE)[::2]:
            self._verify(v.verification_id, finish=True)

    def _repeat_applicants(self) -> None:
        """Applicants with an unrepaired false pledge apply again: the gate bars them (R-020)."""
        for app in self.liars[: max(3, len(self.liars) // 2)]:
            if not self.svc.credit.records_of(app):
                continue
            self.clock.advance(minutes=30)
            eid = sorted(self.entries)[0]
            n = self.svc.cases.issue_notice(
                list_id=self.clist.list_id, entry_ids=[eid], applicant=app, actor=self.clerk
            )
            self.svc.cases.record_choices(
                n.case_no, [ProofChoice(entry_id=eid, mode=ProofMode.PLEDGE)], self._actor_for(app)
            )
            self.svc.cases.check_eligibility(n.case_no, self.clerk)

    def _credit_lifecycle(self) -> None:
        svc = self.svc
        records = svc.credit.list()
        # objections first: maintained, corrected, invalidated
        outcomes = [
            ObjectionOutcome.MAINTAINED,
            ObjectionOutcome.CORRECTED,
            ObjectionOutcome.INVALIDATED,
        ]
        for i, rec in enumerate(records[:3]):
            obj = svc.credit.object_to_record(
                rec.record_id,
                {
                    "objection_id": f"OBJ-{i + 1:03d}",
                    "record_id": rec.record_id,
                    "submitted_on": self.clock().date(),
                    "grounds": "申请人认为认定事实有误",
                },
                self.credit_officer,
            )
            svc.credit.resolve_objection(
                obj.objection_id, outcomes[i % 3], self.credit_officer, reason="经复核, 作出处理"
            )
        self.clock.advance(days=120)  # past the 3-month minimum publicity of 一般
        for case_no in self.rectifying:
            disposal = self.scen[case_no].disposal
            if disposal == "rectify_ok":
                svc.credit.confirm_rectified(case_no, self.inspector)
            elif disposal == "rectify_fail":
                svc.credit.revoke_after_rectification(case_no, self.inspector)
        repaired = 0
        for rec in svc.credit.list():
            if rec.status not in (CreditStatus.PUBLICIZED, CreditStatus.RECORDED):
                continue
            if rec.severity.value == "SERIOUS":
                early = _repair(rec.record_id, self.clock().date(), "EARLY")
                self._try(
                    "repair_too_early",
                    partial(svc.credit.apply_repair, rec.record_id, early, self.credit_officer),
                )
                continue
            if repaired >= 4:
                break
            app = svc.credit.apply_repair(
                rec.record_id,
                _repair(rec.record_id, self.clock().date(), str(repaired)),
                self.credit_officer,
            )
            decision = RepairDecision.REPAIRED if repaired % 3 != 2 else RepairDecision.REJECTED
            svc.credit.decide_repair(
                app.application_id,
                decision,
                self.credit_officer,
                reason=None
                if decision is RepairDecision.REPAIRED
                else "申请材料不能证明法定责任已履行完毕",
            )
            repaired += 1

    def _close_and_expire(self) -> None:
        svc = self.svc
        self.clock.advance(days=30)
        svc.sweep(self.system)  # exempt horizon
        for case in svc.cases.list(status=CaseStatus.DECIDED):
            vs = svc.verifications.list(case_no=case.case_no)
            if vs and all(
                v.status is VerificationStatus.CONCLUDED
                and v.result in (VerificationResult.TRUE, VerificationResult.NO_ADVERSE_FINDING)
                for v in vs
            ):
                svc.cases.close(case.case_no, self.clerk)
        self.clock.advance(days=330)  # past the 1-year maximum of 一般
        svc.sweep(self.system)

    def _complaints_and_refusals(self) -> None:
        svc = self.svc
        for i in range(3):
            c = svc.complaints.receive(
                channel="12345政务服务便民热线",
                subject_ref=f"公开承诺书 {i + 1}",
                content="举报申请人承诺的经营场所与实际不符",
                reporter_contact="13900001111",
                actor=self.clerk,
            )
            if i == 0:
                continue
            svc.complaints.assign(c.complaint_id, "IN0007", self.clerk)
            svc.complaints.handle(c.complaint_id, "经现场核实, 举报情况不属实", self.inspector)
            if i == 2:
                svc.complaints.give_feedback(
                    c.complaint_id, "已核实并电话告知举报人处理结果", self.inspector
                )
        other = Actor(role=ActorRole.WINDOW_CLERK, actor_id="CK9999", organ_uscc=POLICE_USCC)
        any_case = svc.cases.list(status=CaseStatus.PLEDGED)
        if any_case:
            self._try("accept_by_other_organ", lambda: svc.cases.accept(any_case[0].case_no, other))
            self._try(
                "accept_by_applicant",
                lambda: svc.cases.accept(
                    any_case[0].case_no, self._actor_for(any_case[0].applicant)
                ),
            )
        closed = svc.cases.list(status=CaseStatus.CLOSED_TRUE)
        if closed:
            self._try(
                "withdraw_after_conclusion",
                lambda: svc.cases.withdraw(
                    closed[0].case_no, "想撤回", self._actor_for(closed[0].applicant)
                ),
            )

    def _list_adjustment(self) -> None:
        """适时调整 (R-008): a v2 is rejected once, then published; v1 is superseded."""
        cl = self.clist
        v2 = cl.model_copy(update={"version": 2, "deliberation_ref": "党组会议纪要 SZ-2026-011"})
        self.svc.lists.draft(v2, self.officer)
        self.svc.lists.submit(cl.list_id, 2, self.officer)
        self.svc.lists.reject(cl.list_id, 2, self.reviewer)
        self.svc.lists.submit(cl.list_id, 2, self.officer)
        self.svc.lists.publish(cl.list_id, 2, _review(), self.reviewer)
        last = sorted(self.entries)[-1]
        self.svc.lists.retire_entry(cl.list_id, last, "经评估风险较高, 停止适用", self.officer)

    def _documents(self) -> None:
        """文书与报表 (issue 5): notices/pledges of a sample, the list, disclosures, report."""
        try:
            from gaozhi_sdk.documents.workdir import write_documents
        except ImportError:  # the ``documents`` extra is not installed
            return
        write_documents(
            self.svc,
            self.dir / "documents",
            actor=self.clerk,
            list_ids=(self.clist.list_id,),
            organ_name=self.clist.owner_organ,
        )

    def _finish(self) -> DemoSummary:
        svc, s = self.svc, self.summary
        self.phase("生成文书 (documents/)")
        self._documents()
        svc.checkpoint_journal(self.owner, self.system)
        for e in svc.store.journal():
            if e.outcome != "APPLIED":
                continue
            machine = e.event.split(".", 1)[0]
            to = e.detail.get("to")
            if machine in MACHINES and to:
                s.visited.setdefault(machine, set()).add(str(to))
            frm = e.detail.get("from")
            if machine in MACHINES and frm:
                s.visited.setdefault(machine, set()).add(str(frm))
        kinds = {
            "entry": "entry",
            "case": "case",
            "verification": "verification",
            "credit": "credit_record",
            "complaint": "complaint",
            "draw": "draw",
        }
        for machine, kind in kinds.items():
            s.final[machine] = Counter(r.state for r in svc.store.list(kind))
        stats = svc.statistics()
        (self.dir / "report.json").write_text(
            json.dumps(stats.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        (self.dir / "report.md").write_text(render_markdown(stats) + "\n", encoding="utf-8")
        self.phase("导出证据归档 (archive/)")
        manifest = export_archive(
            svc.store,
            self.dir / "archive",
            signer=self.seal,
            trust_pems=self.trust_pems,
            tsa_trust_pems=self.tsa_trust_pems,
        )
        s.journal_entries = manifest.journal_count
        s.bundles = sum(1 for f in manifest.files if f.startswith("bundles/"))
        s.totals = dict(stats.totals)
        self.pki.save(self.dir / "pki")
        # A P-256 seal of the owner organ signs `gaozhi evidence export` manifests.
        export_seal = self.seal
        if not hasattr(export_seal, "private_key") or self.sm2_pki is not None:
            export_seal = self.pki.organ_seal(
                self.clist.owner_organ, self.owner, not_before=START - timedelta(days=1)
            )
        _save_seal(export_seal, self.dir / "pki")
        if self.sm2_pki is not None:  # the SM2 PKI in pki/sm2/, its root beside the others
            self.sm2_pki.save(self.dir / "pki" / "sm2")
            (self.dir / "pki" / "sm2-root.pem").write_bytes(self.sm2_pki.root_pem())
        if self.tsa is not None:  # pki/ carries every root the archive needs
            self.tsa.write_trust(self.dir / "pki" / "tsa")
        _private_keys_0600(self.dir / "pki")
        svc.close()
        return s


@dataclass
class _Scenario:
    """How one synthetic application behaves."""

    entry: str
    flow: str = "full"
    lying: bool = False
    no_data: bool = False
    legal: bool = False
    proxy: bool = False
    leave_open: bool = False
    refuse_assist: bool = False
    disposal: str = "rectify_ok"


# The first applications are scripted so that every state of every machine is reached
# even in a short run; the rest are drawn at random from the seed.
_SCRIPT: tuple[_Scenario, ...] = (
    _Scenario("SZ-GA-HJ-001", flow="notice_only"),
    _Scenario("SZ-SCJG-001", flow="decline"),
    _Scenario("SZ-MZ-JZ-001", flow="pledge_stay"),
    _Scenario("SZ-JY-KS-001", flow="withdraw_pledged", proxy=True),
    _Scenario("SZ-RS-SB-001", flow="withdraw_accepted"),
    _Scenario("SZ-SCJG-001", flow="accept_stay"),
    _Scenario("SZ-GA-HJ-001", lying=True),
    _Scenario("SZ-SCJG-001", lying=True, disposal="rectify_ok"),
    _Scenario("SZ-WJ-YL-001", lying=True, disposal="rectify_fail"),
    _Scenario("SZ-SCJG-001", lying=True, legal=True, disposal="revoke_penalty"),
    _Scenario("SZ-WJ-YL-001", lying=True, disposal="rectify_pending"),
    _Scenario("SZ-RS-SB-001", refuse_assist=True),
    _Scenario("SZ-WJ-YL-001", leave_open=True),
    _Scenario("SZ-WJ-YL-001", leave_open=True),
    _Scenario("SZ-MZ-JZ-001", proxy=True),
    _Scenario("SZ-SF-FY-001", no_data=True),
    _Scenario("SZ-SCJG-002"),
    _Scenario("SZ-SCJG-002", lying=True),
    _Scenario("SZ-GA-HJ-001", lying=True, legal=True),
    _Scenario("SZ-SCJG-001", lying=True, disposal="revoke"),
)


def _review() -> ReviewRecord:
    return ReviewRecord(reviewer="三门峡市陕州区司法局", reviewed_on=date(2026, 1, 4))


def _proxy(
    party: Applicant, grantor: Applicant, matter: str, entry_ids: list[str], on: date
) -> Proxy:
    return Proxy(
        party=party,
        authorization=SpecialAuthorization(
            authorization_id=f"SQ-{party.id_number[-6:]}",
            grantor_id_number=grantor.id_number,
            matter_code=matter,
            entry_ids=tuple(entry_ids),
            valid_from=on,
            valid_to=on + timedelta(days=90),
            express_pledge_authority=True,
            document_ref="特别授权委托书 (经公证)",
        ),
    )


def _repair(record_id: str, on: date, n: str) -> CreditRepairApplication:
    return CreditRepairApplication(
        application_id=f"XF-{record_id}-{n}",
        record_id=record_id,
        submitted_on=on,
        obligations_fulfilled_ref="整改完成证明及罚款缴纳凭证",
        credit_commitment_ref="信用承诺书",
    )
