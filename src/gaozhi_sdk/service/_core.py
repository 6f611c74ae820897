"""Shared machinery of :class:`~gaozhi_sdk.PledgeService`: one transaction per transition.

Every transition goes through :meth:`ServiceCore._run`: role policy check, state check
against the machine, the domain body, then — in the same transaction — the journal entry
(hash chain, identifiers digested) and the outbox events. Refused attempts (role policy,
illegal state, failed guards) are journaled with outcome ``REFUSED`` in a transaction of
their own, after the failed one rolled back, and the error is re-raised.
"""

from __future__ import annotations

import functools
import inspect
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel, ValidationError

from gaozhi_sdk._deprecation import install_moved
from gaozhi_sdk.canonical import digest_json, sha256_hex
from gaozhi_sdk.errors import (
    ConfigError,
    GaozhiError,
    ModelValidationError,
    NotFoundError,
    WorkflowError,
)
from gaozhi_sdk.ids import keyed_digest, mask_identifier
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.models.enums import ActorRole
from gaozhi_sdk.models.parties import Actor
from gaozhi_sdk.providers import CreditSource, OnlineVerifier
from gaozhi_sdk.rules import RulesConfig, WorkingDayCalendar
from gaozhi_sdk.service._signing import Sealer
from gaozhi_sdk.store.base import Record, Store, Transaction
from gaozhi_sdk.workflow.machines import MACHINES
from gaozhi_sdk.workflow.roles import RolePolicy

log = logging.getLogger("gaozhi_sdk.service")

M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
R_ = TypeVar("R_")

_PERSONAL_ROLES = frozenset({ActorRole.APPLICANT, ActorRole.PROXY})


@dataclass
class Step:
    """The open transaction of one transition, handed to the transition body."""

    tx: Transaction
    current: Record | None
    target: str
    now: datetime
    payload: Any = None
    detail: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    extra: list[tuple[str, str, str, Any, dict[str, Any]]] = field(default_factory=list)

    def emit(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Queue an outbox event, delivered after commit (at least once)."""
        self.events.append((topic, dict(payload)))

    def also(
        self, event: str, kind: str, agg_id: str, payload: Any, detail: Mapping[str, Any]
    ) -> None:
        """Journal a second aggregate's transition in the same transaction."""
        self.extra.append((event, kind, agg_id, payload, dict(detail)))


class ServiceCore:
    """State shared by the service mixins (store, clock, policy, signing, ids)."""

    def __init__(
        self,
        store: Store,
        *,
        sealer: Sealer,
        rules: RulesConfig,
        calendar: WorkingDayCalendar,
        role_policy: RolePolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        id_factory: Callable[[str], str] | None = None,
        online_verifier: OnlineVerifier | None = None,
        credit_source: CreditSource | None = None,
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.rules = rules
        self.calendar = calendar
        self.online_verifier = online_verifier
        self.credit_source = credit_source
        self.role_policy = role_policy or RolePolicy()
        self._clock = clock or now_cst
        self._id_factory = id_factory or (lambda prefix: f"{prefix}-{secrets.token_hex(6)}")
        # identifier digests are keyed with the store's per-deployment secret (made with
        # os.urandom at store creation); older secrets keep older digests verifiable.
        self._secrets = store.deployment_secrets()
        self._models: OrderedDict[tuple[str, str, int, type[BaseModel]], BaseModel] = OrderedDict()

    # -- small helpers -------------------------------------------------------------------
    def now(self) -> datetime:
        """The service clock (injectable for simulations and tests)."""
        t = self._clock()
        if t.tzinfo is None:
            raise ConfigError("GZ-CF-021", "时钟须返回带时区的时间", message_en="naive clock")
        return t

    def _new_id(self, prefix: str) -> str:
        """A new identifier with a readable prefix."""
        return self._id_factory(prefix)

    def subject_digest(self, id_number: str) -> str:
        """Keyed digest of a personal identifier (journals, indexes, credit records):
        HMAC-SHA256 under the store's current deployment secret, ``<key id>:<hex>``."""
        current = self._secrets[0]
        return keyed_digest(id_number, current.key, current.key_id)

    def rotate_deployment_secret(self) -> str:
        """Rotate the store's deployment secret (``os.urandom(32)``) and use it from now on;
        returns the new key id. Digests made earlier keep verifying under their key id
        (:meth:`subject_digests`); the secrets themselves never leave the store."""
        new = self.store.rotate_deployment_secret()
        self._secrets = self.store.deployment_secrets()
        return new.key_id

    def subject_digests(self, id_number: str) -> list[str]:
        """The identifier's digest under every deployment secret, the current one first
        (lookups of records made before a rotation)."""
        return [keyed_digest(id_number, s.key, s.key_id) for s in self._secrets]

    def actor_ref(self, actor: Actor) -> dict[str, str]:
        """The journal's view of an actor: applicants digested, officials by staff id."""
        if actor.role in _PERSONAL_ROLES:
            key_id, _, hexd = self.subject_digest(actor.actor_id).partition(":")
            ref = f"hmac:{key_id}:{hexd[:32]}"
        else:
            ref = actor.actor_id if len(actor.actor_id) < 15 else mask_identifier(actor.actor_id)
        out = {"role": actor.role.value, "ref": ref}
        if actor.organ_uscc:
            out["organ"] = actor.organ_uscc
        return out

    def _load(self, kind: str, id: str, model: type[M], tx: Transaction | None = None) -> M:
        """Load a stored aggregate as a model (GZ-ST-404 if missing)."""
        rec = tx.get(kind, id) if tx is not None else self.store.get(kind, id)
        if rec is None:
            raise NotFoundError(
                "GZ-ST-404",
                f"未找到{_KIND_ZH.get(kind, kind)}: {id}",
                message_en=f"{kind} {id!r} not found",
                details={"kind": kind, "id": id},
            )
        return self._model_of(rec, model)

    def _model_of(self, rec: Record, model: type[M]) -> M:
        """Validate a record's document into ``model``, memoised by (kind, id, version).

        Records are versioned and models frozen, so a validated model can be reused until
        the record's version changes; the memo is bounded (LRU, 2,048 entries).
        """
        key = (rec.kind, rec.id, rec.version, model)
        hit = self._models.get(key)
        if hit is not None:
            self._models.move_to_end(key)
            return hit  # type: ignore[return-value]
        value = model.model_validate(rec.doc)
        self._models[key] = value
        if len(self._models) > 2048:
            self._models.popitem(last=False)
        return value

    def _load_record(self, kind: str, id: str, tx: Transaction | None = None) -> Record:
        """The stored record (GZ-ST-404 if missing)."""
        rec = tx.get(kind, id) if tx is not None else self.store.get(kind, id)
        if rec is None:
            raise NotFoundError(
                "GZ-ST-404",
                f"未找到{_KIND_ZH.get(kind, kind)}: {id}",
                message_en=f"{kind} {id!r} not found",
            )
        return rec

    @staticmethod
    def _parse(model: type[M], data: Any, what: str) -> M:
        """Validate input into a model; pydantic errors become GZ-MD-001 with field paths."""
        if isinstance(data, model):
            return data
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems = [
                {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]} for e in exc.errors()
            ]
            first = problems[0] if problems else {"loc": "", "msg": ""}
            raise ModelValidationError(
                "GZ-MD-001",
                f"{what}数据不合法: {first['loc']} — {first['msg']}",
                message_en=f"invalid {what}",
                details={"errors": problems},
            ) from None

    @staticmethod
    def _put_model(
        step: Step, kind: str, id: str, model: BaseModel, state: str, *, create: bool = False
    ) -> int:
        """Write a model inside the step's transaction (optimistic version check)."""
        rec = None if create else step.tx.get(kind, id)
        return step.tx.put(
            kind,
            id,
            model.model_dump(mode="json"),
            state=state,
            expected_version=None if rec is None else rec.version,
        )

    # -- the transition runner -----------------------------------------------------------
    def journal_refusal(
        self, actor: Actor, action: str, kind: str, agg_id: str, err: GaozhiError
    ) -> None:
        """Journal a refused attempt (outcome ``REFUSED``) made outside a transition, e.g.
        a read the HTTP service's access policy refused."""
        self._journal_refusal(actor, action, kind, agg_id, err)

    def _journal_refusal(
        self, actor: Actor, action: str, kind: str, agg_id: str, err: GaozhiError
    ) -> None:
        try:
            with self.store.transaction() as tx:
                tx.append_journal(
                    event=action,
                    aggregate_type=kind,
                    aggregate_id=agg_id,
                    actor=self.actor_ref(actor),
                    payload_digest=digest_json({"code": err.code}),
                    outcome="REFUSED",
                    detail={"code": err.code},
                    at=self.now().isoformat(),
                )
        except GaozhiError:  # pragma: no cover - the refusal itself stays the reported error
            log.exception("could not journal refused attempt %s", action)

    @contextmanager
    def _run(
        self,
        actor: Actor,
        machine: str,
        transition: str,
        kind: str,
        agg_id: str,
        *,
        organ_uscc: str | None,
        target: str | None = None,
        creating: bool = False,
    ) -> Iterator[Step]:
        """Run one transition as one transaction; see the module docstring."""
        action = f"{machine}.{transition}"
        m = MACHINES[machine]
        try:
            self.role_policy.check(actor, action, organ_uscc)
            with self.store.transaction() as tx:
                current = tx.get(kind, agg_id)
                if creating and current is not None:
                    raise WorkflowError(
                        "GZ-WF-004",
                        f"{_KIND_ZH.get(kind, kind)}已存在: {agg_id}",
                        message_en=f"{kind} {agg_id!r} already exists",
                    )
                state = None if creating else (current.state if current else None)
                if not creating and current is None:
                    raise NotFoundError(
                        "GZ-ST-404",
                        f"未找到{_KIND_ZH.get(kind, kind)}: {agg_id}",
                        message_en=f"{kind} {agg_id!r} not found",
                    )
                new_state = m.check(transition, state, target)
                step = Step(tx=tx, current=current, target=new_state, now=self.now())
                yield step
                payload = step.payload
                digest = digest_json(payload) if payload is not None else sha256_hex(b"")
                entry = tx.append_journal(
                    event=action,
                    aggregate_type=kind,
                    aggregate_id=agg_id,
                    actor=self.actor_ref(actor),
                    payload_digest=digest,
                    detail={"from": state or "", "to": new_state, **step.detail},
                    at=step.now.isoformat(),
                )
                for event, xkind, xid, xpayload, xdetail in step.extra:
                    tx.append_journal(
                        event=event,
                        aggregate_type=xkind,
                        aggregate_id=xid,
                        actor=self.actor_ref(actor),
                        payload_digest=digest_json(xpayload),
                        detail=xdetail,
                        at=step.now.isoformat(),
                    )
                for topic, body in step.events:
                    tx.enqueue(
                        topic,
                        {**body, "journal_seq": entry.seq, "at": entry.at},
                        idempotency_key=f"{topic}:{agg_id}:{entry.seq}",
                    )
        except GaozhiError as err:
            self._journal_refusal(actor, action, kind, agg_id, err)
            err.journaled = True  # type: ignore[attr-defined]
            raise
        except ValidationError as exc:
            coded = _validation_error(exc, action)
            self._journal_refusal(actor, action, kind, agg_id, coded)
            coded.journaled = True  # type: ignore[attr-defined]
            raise coded from None


#: The plumbing made private in 0.2 (issue 11), with what to use instead.
DEPRECATED_PLUMBING = {
    "load": "the typed accessors, e.g. svc.cases.get(case_no)",
    "load_record": "the typed accessors, e.g. svc.cases.get(case_no)",
    "model_of": "the typed accessors, e.g. svc.cases.list()",
    "parse": "the area services, which take models or mappings",
    "put_model": "the area services' transitions",
    "run": "the area services' transitions",
    "new_id": "the area services, which assign identifiers",
    "note_withdrawal": "svc.cases.withdraw(...)",
    "note_credit_record": "svc.credit.dispose(...)",
    "pledged_entries": "svc.cases.entries(case)",
    "verifications_of": "svc.verifications.list(case_no=...)",
    "limitation_refusals": "svc.statistics()",
    "check_own_case": "svc.cases.get(case_no) and your own check",
}
install_moved(
    ServiceCore,
    {name: f"_{name}" for name in DEPRECATED_PLUMBING},
    use=lambda old, new: f"{DEPRECATED_PLUMBING[old]} (private plumbing now: {new})",
)


def refusals_journaled(
    action: str, kind: str, id_param: str
) -> Callable[[Callable[P, R_]], Callable[P, R_]]:
    """Journal a refusal when a service method's guard raises before its transition.

    Failures inside :meth:`ServiceCore.run` are journaled there; this decorator covers
    the guards a method checks first (rules, dates, reasons), so every refused attempt —
    whatever refused it — leaves a ``REFUSED`` journal entry naming the actor and code.
    """

    def wrap(fn: Callable[P, R_]) -> Callable[P, R_]:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R_:
            try:
                return fn(*args, **kwargs)
            except GaozhiError as err:
                if not getattr(err, "journaled", False):
                    bound = sig.bind(*args, **kwargs)
                    self_ = bound.arguments["self"]
                    actor = bound.arguments.get("actor")
                    if isinstance(self_, ServiceCore) and isinstance(actor, Actor):
                        agg = str(bound.arguments.get(id_param) or "-")
                        self_._journal_refusal(actor, action, kind, agg, err)
                        err.journaled = True  # type: ignore[attr-defined]
                raise

        return inner

    return wrap


def _validation_error(exc: ValidationError, action: str) -> ModelValidationError:
    """A pydantic error raised inside a transition, as a coded SDK error (GZ-MD-002)."""
    problems = [{"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    first = problems[0] if problems else {"loc": "", "msg": ""}
    return ModelValidationError(
        "GZ-MD-002",
        f"{action}: 数据不合法: {first['loc']} — {first['msg']}",
        message_en=f"{action}: invalid data",
        details={"errors": problems},
    )


_KIND_ZH = {
    "list_version": "清单",
    "entry": "清单条目",
    "case": "办件",
    "notice": "告知书",
    "pledge": "承诺书",
    "verification": "核查",
    "assistance": "协助核查请求",
    "draw": "抽取批次",
    "disposition": "处置",
    "credit_record": "信用记录",
    "repair": "信用修复申请",
    "objection": "异议",
    "complaint": "投诉举报",
    "subject": "诚信档案",
    "confidential_mark": "不予公开标记",
    "impact_assessment": "个人信息保护影响评估",
}
