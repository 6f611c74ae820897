"""Seeded fault injection and the latency model of the emulator (TRANSPORT §5.3)."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULTS", "FaultPlan", "LatencyModel"]

#: Faults the emulator can inject. ``commit_then_drop`` applies the side effect and then
#: closes the socket without replying (the duplicate-maker).
FAULTS = (
    "http_5xx",
    "http_429",
    "http_503_retry_after",
    "body_throttle",
    "reset_before_response",
    "commit_then_drop",
    "black_hole",
    "truncated_body",
    "malformed_json",
    "html_waf_page",
    "token_expired_code",
    "sign_invalid",
    "clock_skew",
    "paging_total_drift",
)


@dataclass
class FaultPlan:
    """Per-route fault probabilities, drawn from one seeded generator.

    ``rules`` maps a route name (``licence.verify``, ``credit.push`` …) or ``"*"`` to
    ``{fault: probability}``. At most one fault fires per request.
    """

    seed: int = 0
    rules: dict[str, dict[str, float]] = field(default_factory=dict)
    retry_after_s: float = 1.0
    skew_s: float = 600.0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def configure(self, doc: Mapping[str, Any]) -> None:
        """Replace the plan from an admin document (unknown fault names are refused)."""
        rules = {
            str(k): {str(f): float(p) for f, p in v.items()}
            for k, v in dict(doc.get("rules", {})).items()
        }
        for per_route in rules.values():
            for f in per_route:
                if f not in FAULTS:
                    raise ValueError(f"unknown fault {f}")
        with self._lock:
            self.rules = rules
            self.seed = int(doc.get("seed", self.seed))
            self.retry_after_s = float(doc.get("retry_after_s", self.retry_after_s))
            self.skew_s = float(doc.get("skew_s", self.skew_s))
            self._rng.seed(self.seed)

    def draw(self, route: str) -> str | None:
        """The fault to inject for one request on ``route`` (or None)."""
        with self._lock:
            probs = {**self.rules.get("*", {}), **self.rules.get(route, {})}
            if not probs:
                return None
            x = self._rng.random()
            acc = 0.0
            for name in sorted(probs):
                acc += probs[name]
                if x < acc:
                    return name
            return None

    def to_dict(self) -> dict[str, Any]:
        """The plan as an admin document."""
        return {
            "seed": self.seed,
            "rules": self.rules,
            "retry_after_s": self.retry_after_s,
            "skew_s": self.skew_s,
        }


@dataclass
class LatencyModel:
    """Fixed latency, or lognormal with the given p50 and p99 (milliseconds)."""

    p50_ms: float = 0.0
    p99_ms: float | None = None
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def sample_s(self) -> float:
        """One latency sample in seconds."""
        if self.p50_ms <= 0:
            return 0.0
        if not self.p99_ms or self.p99_ms <= self.p50_ms:
            return self.p50_ms / 1000.0
        sigma = math.log(self.p99_ms / self.p50_ms) / 2.326
        with self._lock:
            v = self._rng.lognormvariate(math.log(self.p50_ms), sigma)
        return min(v, self.p99_ms * 3) / 1000.0
