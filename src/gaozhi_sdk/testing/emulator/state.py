"""Synthetic provincial data behind the emulator: holders, licences, datasets, the credit
ledger, assisted-verification tickets and on-site tasks (all in memory, thread-safe)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from gaozhi_sdk.testing.synthetic import synthetic_resident_id, synthetic_uscc

__all__ = ["LICENCE_TYPES", "EmulatorState", "Holder"]

#: A small licence-type dictionary shaped like the local standards' 证照类型列表.
LICENCE_TYPES: dict[str, str] = {
    "11100000000000001": "居民户口簿",
    "11100000000000002": "结婚证",
    "11100000000000017": "不动产权证书",
    "11100000000000025": "营业执照",
    "11100000000000031": "食品经营许可证",
    "11100000000000044": "社会保险参保缴费证明",
}
CONSENT_TYPES = frozenset({"11100000000000002"})
_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞")


@dataclass
class Holder:
    """A synthetic holder with licences and proof facts (R-044 ground truth)."""

    id_number: str
    name: str
    licences: list[dict[str, str]] = field(default_factory=list)
    proofs: dict[str, bool] = field(default_factory=dict)
    consent: set[str] = field(default_factory=set)
    adverse: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (admin API)."""
        return {
            "id_number": self.id_number,
            "name": self.name,
            "licences": self.licences,
            "proofs": self.proofs,
            "consent": sorted(self.consent),
            "adverse": self.adverse,
        }


class EmulatorState:
    """All mutable emulator data."""

    def __init__(self, seed: int, holders: int = 50, dataset_size: int = 237) -> None:
        self.lock = threading.RLock()
        rng = random.Random(seed)
        self.holders: dict[str, Holder] = {}
        for i in range(holders):
            legal = i % 5 == 4
            idn = synthetic_uscc(rng) if legal else synthetic_resident_id(rng)
            name = f"{rng.choice(_NAMES)}商贸有限公司" if legal else rng.choice(_NAMES)
            h = Holder(idn, name)
            for code in rng.sample(sorted(LICENCE_TYPES), 2):
                h.licences.append(
                    {
                        "type_code": code,
                        "type_name": LICENCE_TYPES[code],
                        "number": f"L{rng.randrange(10**9):09d}",
                        "status": "VALID" if rng.random() < 0.85 else "REVOKED",
                    }
                )
                h.proofs[LICENCE_TYPES[code]] = h.licences[-1]["status"] == "VALID"
            if i % 7 == 3:
                h.consent.add("结婚证")
            if i % 11 == 5:
                h.adverse.append(
                    {
                        "record_id": f"CR-{i:04d}",
                        "conduct": "FALSE_PLEDGE",
                        "severity": "SERIOUS",
                        "status": "PUBLICIZED",
                        "recorded_on": "2025-06-01",
                    }
                )
            self.holders[idn] = h
        self.dataset: list[dict[str, Any]] = [
            {
                "id": f"SB-{n:06d}",
                "region": rng.choice(["410100", "410200", "410300"]),
                "months": rng.randrange(1, 240),
            }
            for n in range(dataset_size)
        ]
        self.ledger: list[dict[str, Any]] = []
        self.ledger_by_key: dict[str, dict[str, Any]] = {}
        self.in_flight: set[tuple[str, str]] = set()
        self.replies: dict[tuple[str, str], dict[str, Any]] = {}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}

    def upsert_holder(self, doc: dict[str, Any]) -> Holder:
        """Add or replace a holder (admin API: the test or demo supplies ground truth)."""
        h = Holder(
            str(doc["id_number"]),
            str(doc.get("name", "")),
            list(doc.get("licences", [])),
            {str(k): bool(v) for k, v in dict(doc.get("proofs", {})).items()},
            set(doc.get("consent", [])),
            list(doc.get("adverse", [])),
        )
        with self.lock:
            self.holders[h.id_number] = h
        return h

    def ticket_status(self, ticket: dict[str, Any], now: float, delay_s: float) -> dict[str, Any]:
        """A ticket's reply once ``delay_s`` has passed (R-046, R-047)."""
        if now - ticket["created"] < delay_s:
            return {"ticket": ticket["ticket"], "status": "PENDING"}
        h = self.holders.get(ticket["subject_id"])
        proof = ticket["proof_name"]
        if h is None or proof not in h.proofs:
            return {
                "ticket": ticket["ticket"],
                "status": "REFUSED",
                "reason": "本单位无该主体的相关档案, 不能提供协助核查 (书面说明)",
            }
        if h.proofs[proof]:
            return {"ticket": ticket["ticket"], "status": "CONFIRMED", "reason": ""}
        return {
            "ticket": ticket["ticket"],
            "status": "DENIED_FACT",
            "reason": "经核查, 承诺内容与档案记载不符",
        }


def now_ms(offset_s: float) -> int:
    """Emulator wall clock in ms (with its controllable offset)."""
    return int((time.time() + offset_s) * 1000)
