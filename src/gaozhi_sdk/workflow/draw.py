"""双随机、一公开 draws (R-042, R-043): random pledges and random inspectors.

The draw is a pure function of public inputs — a seed published with the result, the
sorted population and the sorted inspector pool — so anyone can recompute it:

* each candidate gets the rank ``HMAC-SHA256(seed, "select\\x00" + id)``; the lowest
  ``ceil(n × rate / 100)`` ranks are selected (at least one when the population is not
  empty);
* each selected id is assigned the inspector with the lowest
  ``HMAC-SHA256(seed, "assign\\x00" + id + "\\x00" + inspector)``.

Algorithm name ``gaozhi-draw-v1``; changing it means a new name.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Sequence

from gaozhi_sdk.errors import RuleViolationError

__all__ = ["ALGORITHM", "compute_draw"]

ALGORITHM = "gaozhi-draw-v1"
_SEED_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def _rank(seed: bytes, *parts: str) -> bytes:
    return hmac.new(seed, "\x00".join(parts).encode("utf-8"), hashlib.sha256).digest()


def compute_draw(
    seed_hex: str,
    population: Sequence[str],
    inspectors: Sequence[str],
    rate_percent: int,
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Return ``(selected, assignments)`` for the public inputs (R-043)."""
    if not 1 <= rate_percent <= 100:
        raise RuleViolationError("GZ-RL-240", "抽取比例须在 1% 至 100% 之间")
    if population and not inspectors:
        raise RuleViolationError("GZ-RL-241", "双随机抽查须有检查人员名录 (R-043)")
    # fullmatch: bytes.fromhex would accept "" and whitespace ("00 11"), so two different
    # published strings would name the same draw
    if not isinstance(seed_hex, str) or not _SEED_HEX.fullmatch(seed_hex):
        raise RuleViolationError("GZ-RL-242", "随机种子须为十六进制字符串")
    seed = bytes.fromhex(seed_hex)
    pop = sorted(set(population))
    pool = sorted(set(inspectors))
    k = min(len(pop), max(1, math.ceil(len(pop) * rate_percent / 100))) if pop else 0
    ranked = sorted(pop, key=lambda i: _rank(seed, "select", i))
    selected = tuple(sorted(ranked[:k]))

    def inspector_for(vid: str) -> str:
        return min(pool, key=lambda p: _rank(seed, "assign", vid, p))

    assignments = tuple((vid, inspector_for(vid)) for vid in selected)
    return selected, assignments
