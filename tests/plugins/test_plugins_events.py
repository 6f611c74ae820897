"""Event delivery from the outbox: at least once, isolated per plugin, never lost (DESIGN §5/§6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gaozhi_sdk import PluginHost, hookimpl
from gaozhi_sdk.events import dead_letters, deliver_pending, delivery_record, replay_dead
from gaozhi_sdk.plugin_types import LifecycleEvent
from gaozhi_sdk.plugins import PluginContractError
from gaozhi_sdk.store import SqliteStore


class Receiver:
    """Records events; fails the first ``fail_times`` deliveries of each key."""

    def __init__(self, fail_times: int = 0) -> None:
        self.fail_times = fail_times
        self.calls: list[tuple[str, int]] = []
        self.accepted: dict[str, LifecycleEvent] = {}

    @hookimpl
    def gaozhi_event(self, event: LifecycleEvent) -> None:
        """Accept or fail."""
        self.calls.append((event.idempotency_key, event.attempt))
        failures = sum(1 for k, _ in self.calls if k == event.idempotency_key) - 1
        if failures < self.fail_times:
            raise ConnectionError(f"department system down ({failures + 1})")
        self.accepted.setdefault(event.idempotency_key, event)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "events.db")
    yield s
    s.close()


def _enqueue(store: SqliteStore, n: int, topic: str = "pledge.signed") -> list[str]:
    keys = []
    with store.transaction() as tx:
        for i in range(n):
            key = f"{topic}:C-{i:04d}:{i + 1}"
            tx.enqueue(topic, {"case_no": f"C-{i:04d}", "seq": i}, idempotency_key=key)
            keys.append(key)
    return keys


def test_every_impl_receives_every_event_with_its_idempotency_key(
    store: SqliteStore, plugin_host: PluginHost
) -> None:
    a, b = Receiver(), Receiver()
    plugin_host.register(a, name="a")
    plugin_host.register(b, name="b")
    keys = _enqueue(store, 3)
    report = deliver_pending(store, plugin_host)
    assert report.delivered == 3 and report.calls == 6 and not report.failures
    assert sorted(a.accepted) == sorted(keys) == sorted(b.accepted)
    assert a.accepted[keys[0]].payload == {"case_no": "C-0000", "seq": 0}
    assert a.accepted[keys[0]].topic == "pledge.signed"
    assert store.outbox_count(pending_only=True) == 0
    assert deliver_pending(store, plugin_host).calls == 0  # nothing delivered twice


def test_failing_impl_is_isolated_and_retried_until_it_succeeds(
    store: SqliteStore, plugin_host: PluginHost
) -> None:
    good, flaky = Receiver(), Receiver(fail_times=2)
    plugin_host.register(good, name="good")
    plugin_host.register(flaky, name="flaky")  # called first (registered last)
    (key,) = _enqueue(store, 1)

    first = deliver_pending(store, plugin_host, max_attempts=5)
    assert first.retrying == 1 and first.delivered == 0
    assert [p for _, p, _ in first.failures] == ["flaky"]
    assert key in good.accepted  # the failure did not stop the other plugin
    rec = delivery_record(store, 1)
    assert rec is not None and rec["plugins"]["good"]["status"] == "DELIVERED"
    assert rec["plugins"]["flaky"]["status"] == "FAILED"
    assert "department system down" in rec["plugins"]["flaky"]["last_error"]
    assert store.outbox_count(pending_only=True) == 1  # not delivered until all succeeded

    deliver_pending(store, plugin_host, max_attempts=5)
    third = deliver_pending(store, plugin_host, max_attempts=5)
    assert third.delivered == 1
    assert good.calls == [(key, 1)]  # the good plugin got it exactly once
    assert flaky.calls == [(key, 1), (key, 2), (key, 3)]  # attempt numbers grow
    assert store.outbox_count(pending_only=True) == 0


def test_dead_letter_after_max_attempts_is_visible_and_replayable(
    store: SqliteStore, plugin_host: PluginHost
) -> None:
    good, down = Receiver(), Receiver(fail_times=3)
    plugin_host.register(good, name="good")
    plugin_host.register(down, name="down")
    keys = _enqueue(store, 2)
    reports = [deliver_pending(store, plugin_host, max_attempts=3) for _ in range(3)]
    assert reports[-1].dead == 2
    assert store.outbox_count(pending_only=True) == 0
    msg = store.outbox_message(1)
    assert msg is not None and msg.dead and msg.delivered_at is None

    letters = dead_letters(store)
    assert [d.idempotency_key for d in letters] == keys
    assert set(letters[0].failed_plugins) == {"down"}
    assert letters[0].attempts == {"good": 1, "down": 3}
    assert letters[0].payload == {"case_no": "C-0000", "seq": 0}
    assert len(good.calls) == 2  # never redelivered to the plugin that accepted it

    replay = replay_dead(store, plugin_host, message_ids=[1])
    assert replay.delivered == 1 and replay.calls == 1
    assert keys[0] in down.accepted and down.accepted[keys[0]].attempt == 4
    assert [d.message_id for d in dead_letters(store)] == [2]
    assert delivery_record(store, 1)["state"] == "REPLAYED"  # type: ignore[index]
    replay_dead(store, plugin_host)
    assert dead_letters(store) == [] and len(good.calls) == 2


def test_replay_failure_stays_dead(store: SqliteStore, plugin_host: PluginHost) -> None:
    down = Receiver(fail_times=10)
    plugin_host.register(down, name="down")
    _enqueue(store, 1)
    deliver_pending(store, plugin_host, max_attempts=1)
    assert len(dead_letters(store)) == 1
    report = replay_dead(store, plugin_host)
    assert report.dead == 1 and report.delivered == 0
    assert dead_letters(store)[0].attempts == {"down": 2}


def test_events_survive_a_restart_of_the_deliverer(tmp_path: Path) -> None:
    """At least once across processes: progress is in the SQLite file, not in memory."""
    db = tmp_path / "restart.db"
    store = SqliteStore(db)
    _enqueue(store, 2)
    host1 = PluginHost(load_entrypoints=False, env={})
    host1.register(Receiver(fail_times=1), name="flaky")
    assert deliver_pending(store, host1).retrying == 2
    store.close()

    store = SqliteStore(db)
    host2 = PluginHost(load_entrypoints=False, env={})
    later = Receiver()
    host2.register(later, name="flaky")
    assert deliver_pending(store, host2).delivered == 2
    assert sorted(e.attempt for e in later.accepted.values()) == [2, 2]
    store.close()


def test_no_subscribers_counts_as_delivered(store: SqliteStore, plugin_host: PluginHost) -> None:
    _enqueue(store, 2)
    assert deliver_pending(store, plugin_host).delivered == 2
    assert store.outbox_count(pending_only=True) == 0


def test_limit_and_bad_max_attempts(store: SqliteStore, plugin_host: PluginHost) -> None:
    _enqueue(store, 5)
    plugin_host.register(Receiver(), name="r")
    assert deliver_pending(store, plugin_host, limit=2).delivered == 2
    assert store.outbox_count(pending_only=True) == 3
    for bad in (0, -1, True, "3"):
        with pytest.raises(PluginContractError) as ei:
            deliver_pending(store, plugin_host, max_attempts=bad)  # type: ignore[arg-type]
        assert ei.value.code == "GZ-PL-010"


def test_many_events_with_intermittent_failures_none_lost_none_duplicated_per_plugin(
    store: SqliteStore, plugin_host: PluginHost
) -> None:
    class Intermittent(Receiver):
        """Fails every third call."""

        @hookimpl
        def gaozhi_event(self, event: LifecycleEvent) -> None:
            """Fails every third call."""
            self.calls.append((event.idempotency_key, event.attempt))
            if len(self.calls) % 3 == 0:
                raise TimeoutError("read timed out")
            assert event.idempotency_key not in self.accepted
            self.accepted[event.idempotency_key] = event

    steady, flaky = Receiver(), Intermittent()
    plugin_host.register(steady, name="steady")
    plugin_host.register(flaky, name="intermittent")
    keys = _enqueue(store, 200)
    rounds = 0
    while store.outbox_count(pending_only=True) and rounds < 20:
        deliver_pending(store, plugin_host, max_attempts=10, limit=500)
        rounds += 1
    assert store.outbox_count(pending_only=True) == 0 and dead_letters(store) == []
    assert sorted(steady.accepted) == sorted(keys) == sorted(flaky.accepted)
    assert len(steady.calls) == 200  # the steady plugin never saw a redelivery


def test_event_impl_with_no_arguments_is_called(
    store: SqliteStore, plugin_host: PluginHost
) -> None:
    """Opt-in arguments: an impl may ignore the event argument."""
    ticks: list[int] = []

    class Counter:
        @hookimpl
        def gaozhi_event(self) -> None:
            """Counts."""
            ticks.append(1)

    plugin_host.register(Counter(), name="counter")
    _enqueue(store, 3)
    deliver_pending(store, plugin_host)
    assert ticks == [1, 1, 1]
