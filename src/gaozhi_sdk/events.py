"""事件投递 — lifecycle events from the store's outbox to ``gaozhi_event`` (DESIGN §5, §6).

Every state change writes its outbox messages in the same transaction as the new state
(:meth:`gaozhi_sdk.store.base.Transaction.enqueue`). After commit,
:func:`deliver_pending` hands each message to **every** ``gaozhi_event`` implementation
separately:

* **at least once** — a message is marked delivered in the outbox only when every
  implementation has accepted it; a crash in between re-delivers, so receivers
  de-duplicate on the ``idempotency_key`` of a
  :class:`~gaozhi_sdk.plugin_types.LifecycleEvent` (the outbox key, stable across
  redeliveries);
* **isolated** — one raising implementation neither stops the others nor makes them
  receive the event again: per-(message, plugin) progress is kept in a store record of
  kind ``event_delivery`` (id = the zero-padded outbox message id);
* **never lost** — after ``max_attempts`` failures for one plugin the message is
  dead-lettered (the outbox message is marked dead and the delivery record keeps the
  payload and each plugin's last error); :func:`dead_letters` lists them and
  :func:`replay_dead` delivers them again to the plugins that failed.

Retries happen on the next call of :func:`deliver_pending` (run it after each
transaction, from a scheduler, or with ``gaozhi events deliver``); no thread is started.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gaozhi_sdk.errors import GaozhiError
from gaozhi_sdk.models import now_cst
from gaozhi_sdk.plugin_types import LifecycleEvent
from gaozhi_sdk.plugins import PluginContractError

if TYPE_CHECKING:
    from gaozhi_sdk.plugins import PluginHost
    from gaozhi_sdk.store.base import OutboxMessage, Store

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DELIVERY_KIND",
    "DeadLetter",
    "DeliveryReport",
    "dead_letters",
    "deliver_pending",
    "delivery_record",
    "replay_dead",
]

log = logging.getLogger("gaozhi_sdk.events")

#: Store record kind that tracks per-plugin delivery of one outbox message.
DELIVERY_KIND = "event_delivery"
#: Attempts per plugin before a message is dead-lettered.
DEFAULT_MAX_ATTEMPTS = 8

DELIVERED, FAILED, DEAD = "DELIVERED", "FAILED", "DEAD"
_PENDING, _REPLAYED = "PENDING", "REPLAYED"
_MAX_ERROR = 500
_NEVER_DEAD = 2**62


@dataclass
class DeliveryReport:
    """What one delivery run did.

    Attributes:
        delivered: messages now delivered to every implementation.
        retrying: messages with at least one implementation still to retry.
        dead: messages dead-lettered in this run.
        calls: implementation calls made.
        failures: ``(message id, plugin, error)`` of every failed call.
    """

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    calls: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DeadLetter:
    """A dead-lettered event: which plugins failed it and their last errors."""

    message_id: int
    topic: str
    idempotency_key: str
    payload: Mapping[str, Any]
    failed_plugins: Mapping[str, str]
    attempts: Mapping[str, int]


def _rid(message_id: int) -> str:
    return f"{message_id:012d}"


def delivery_record(store: Store, message_id: int) -> dict[str, Any] | None:
    """The delivery progress of one outbox message (None if never attempted).

    The document has ``topic``, ``idempotency_key``, ``payload`` and ``plugins`` —
    ``{plugin: {"status": DELIVERED|FAILED|DEAD, "attempts": n, "last_error": str}}``.
    """
    rec = store.get(DELIVERY_KIND, _rid(message_id))
    return None if rec is None else {**dict(rec.doc), "state": rec.state}


def _check_attempts(max_attempts: int) -> None:
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
        raise PluginContractError(
            "GZ-PL-010",
            f"max_attempts 须为正整数, 实为 {max_attempts!r}",
            message_en="max_attempts must be a positive integer",
        )


def _call(
    plugin: str, func: Any, event: LifecycleEvent, report: DeliveryReport, message_id: int
) -> str | None:
    """Call one implementation; returns the error text or None on success."""
    report.calls += 1
    try:
        func(event)
    except Exception as exc:  # isolation: any failure of one plugin stays with it
        text = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
        if isinstance(exc, GaozhiError):
            text = f"{exc.code} {type(exc).__name__}"
        report.failures.append((message_id, plugin, text))
        log.warning(
            "事件投递失败: 插件 %s, 主题 %s, 消息 %d, 第 %d 次: %s",
            plugin,
            event.topic,
            message_id,
            event.attempt,
            type(exc).__name__,
        )
        return text
    return None


def _save(store: Store, rid: str, doc: dict[str, Any], state: str, version: int | None) -> bool:
    try:
        with store.transaction() as tx:
            tx.put(DELIVERY_KIND, rid, doc, state=state, expected_version=version)
    except GaozhiError as err:
        if err.code == "GZ-ST-409":  # a concurrent deliverer won; redelivery is allowed
            log.info("投递记录 %s 已被并发更新, 稍后重试", rid)
            return False
        raise
    return True


def _deliver_one(
    store: Store,
    host: PluginHost,
    msg: OutboxMessage,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    rid = _rid(msg.id)
    rec = store.get(DELIVERY_KIND, rid)
    doc: dict[str, Any] = (
        {
            "message_id": msg.id,
            "topic": msg.topic,
            "idempotency_key": msg.idempotency_key,
            "payload": dict(msg.payload),
            "plugins": {},
        }
        if rec is None
        else {**dict(rec.doc), "plugins": {k: dict(v) for k, v in rec.doc["plugins"].items()}}
    )
    plugins: dict[str, dict[str, Any]] = doc["plugins"]
    impls = host.event_impls()
    for pname, func in impls:
        progress = plugins.get(pname, {"status": FAILED, "attempts": 0, "last_error": ""})
        if progress["status"] in (DELIVERED, DEAD):
            continue
        attempt = int(progress["attempts"]) + 1
        event = LifecycleEvent(
            topic=msg.topic,
            idempotency_key=msg.idempotency_key,
            payload=dict(msg.payload),
            attempt=attempt,
        )
        error = _call(pname, func, event, report, msg.id)
        now = now_cst().isoformat()
        if error is None:
            plugins[pname] = {"status": DELIVERED, "attempts": attempt, "last_error": "", "at": now}
        else:
            status = DEAD if attempt >= max_attempts else FAILED
            plugins[pname] = {"status": status, "attempts": attempt, "last_error": error, "at": now}
    current = [plugins[p] for p, _ in impls if p in plugins]
    statuses = {s["status"] for s in current}
    if FAILED in statuses:
        state = _PENDING
    elif DEAD in statuses:
        state = DEAD
    else:
        state = DELIVERED
    if not _save(store, rid, doc, state, None if rec is None else rec.version):
        return
    if state == DELIVERED:
        store.mark_delivered(msg.id)
        report.delivered += 1
    elif state == DEAD:
        errors = "; ".join(
            f"{p}: {s['last_error']}" for p, s in plugins.items() if s["status"] == DEAD
        )
        store.mark_failed(msg.id, f"dead-lettered ({errors})", max_attempts=1)
        report.dead += 1
        log.error(
            "事件已转入死信: 主题 %s, 消息 %d (gaozhi events replay 可重投)", msg.topic, msg.id
        )
    else:
        errors = "; ".join(
            f"{p}: {s['last_error']}" for p, s in plugins.items() if s["status"] == FAILED
        )
        store.mark_failed(msg.id, errors, max_attempts=_NEVER_DEAD)
        report.retrying += 1


def deliver_pending(
    store: Store,
    host: PluginHost,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int = 100,
    worker: str | None = None,
    lease_s: float = 60.0,
) -> DeliveryReport:
    """Deliver up to ``limit`` pending outbox messages to every ``gaozhi_event`` impl.

    Each implementation is called on its own (one raising impl does not stop the others);
    an implementation that already accepted a message is not called again for it; a
    failing one is retried on the next run and dead-lettered after ``max_attempts``.
    A message with no ``gaozhi_event`` implementation at all counts as delivered.

    Args:
        store: the store whose outbox is drained.
        host: the plugin host (its entry points are loaded on first use).
        max_attempts: attempts per plugin before the message is dead-lettered.
        limit: the number of messages taken from the outbox in this run.
        worker: a delivery worker's id. With it, several workers (threads, processes,
            instances) may run at once: the messages are *claimed*
            (:meth:`~gaozhi_sdk.store.base.Store.claim_outbox`), so a message is in at
            most one live worker's hands; a crashed worker's claims return after
            ``lease_s``. Without it, the pending messages are read (one deliverer only).
        lease_s: how long a claim lasts (seconds); longer than one batch takes.

    Returns:
        a :class:`DeliveryReport`.

    Raises:
        PluginContractError: GZ-PL-010 if ``max_attempts`` is not a positive integer.
    """
    _check_attempts(max_attempts)
    report = DeliveryReport()
    messages = (
        store.pending_outbox(limit=limit)
        if worker is None
        else store.claim_outbox(worker, limit=limit, lease_s=lease_s)
    )
    for msg in messages:
        _deliver_one(store, host, msg, max_attempts, report)
    return report


def dead_letters(store: Store) -> list[DeadLetter]:
    """Dead-lettered events (oldest first) with each failing plugin's last error."""
    out = []
    for rec in store.list(DELIVERY_KIND, state=DEAD):
        plugins = rec.doc["plugins"]
        out.append(
            DeadLetter(
                message_id=int(rec.doc["message_id"]),
                topic=str(rec.doc["topic"]),
                idempotency_key=str(rec.doc["idempotency_key"]),
                payload=dict(rec.doc["payload"]),
                failed_plugins={
                    p: str(s["last_error"]) for p, s in plugins.items() if s["status"] == DEAD
                },
                attempts={p: int(s["attempts"]) for p, s in plugins.items()},
            )
        )
    return out


def replay_dead(
    store: Store,
    host: PluginHost,
    *,
    message_ids: Iterable[int] | None = None,
) -> DeliveryReport:
    """Deliver dead-lettered events again, once, to the plugins that failed them.

    The same idempotency key is used, so a receiver that did get the event before
    ignores the copy. A message whose failed plugins all accept it leaves the dead-letter
    list (state ``REPLAYED``); otherwise it stays dead with the new error.
    """
    wanted = None if message_ids is None else set(message_ids)
    impls = dict(host.event_impls())
    report = DeliveryReport()
    for letter in dead_letters(store):
        if wanted is not None and letter.message_id not in wanted:
            continue
        rec = store.get(DELIVERY_KIND, _rid(letter.message_id))
        if rec is None:  # pragma: no cover - listed a moment ago
            continue
        plugins = {k: dict(v) for k, v in rec.doc["plugins"].items()}
        for pname in letter.failed_plugins:
            func = impls.get(pname)
            if func is None:
                plugins[pname]["last_error"] = "插件未安装, 无法重投"
                continue
            attempt = int(plugins[pname]["attempts"]) + 1
            event = LifecycleEvent(
                topic=letter.topic,
                idempotency_key=letter.idempotency_key,
                payload=dict(letter.payload),
                attempt=attempt,
            )
            error = _call(pname, func, event, report, letter.message_id)
            plugins[pname].update(
                status=DELIVERED if error is None else DEAD,
                attempts=attempt,
                last_error=error or "",
                at=now_cst().isoformat(),
            )
        still_dead = any(s["status"] == DEAD for s in plugins.values())
        state = DEAD if still_dead else _REPLAYED
        if _save(store, rec.id, {**dict(rec.doc), "plugins": plugins}, state, rec.version):
            if still_dead:
                report.dead += 1
            else:
                report.delivered += 1
    return report
