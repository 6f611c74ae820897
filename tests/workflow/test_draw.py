"""双随机、一公开 draws (R-042, R-043): reproducible from public inputs (workflow.draw)."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaozhi_sdk.errors import RuleViolationError
from gaozhi_sdk.workflow.draw import ALGORITHM, compute_draw

SEED = "00112233445566778899aabbccddeeff"
POP = [f"VRF-{i:06d}" for i in range(1, 41)]
POOL = ["IN0007", "IN0008", "IN0009"]

ids = st.text(alphabet="ABCDEFGHJKLMNPQRTUWXY0123456789-", min_size=1, max_size=12)
seeds = st.binary(min_size=8, max_size=32).map(bytes.hex)


def _reference(
    seed_hex: str, population: list[str], inspectors: list[str], rate: int
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """An independent implementation of the published algorithm (module docstring)."""
    seed = bytes.fromhex(seed_hex)

    def rank(*parts: str) -> bytes:
        return hmac.new(seed, "\x00".join(parts).encode(), hashlib.sha256).digest()

    pop = sorted(set(population))
    k = min(len(pop), max(1, math.ceil(len(pop) * rate / 100))) if pop else 0
    chosen = sorted(sorted(pop, key=lambda i: rank("select", i))[:k])
    pool = sorted(set(inspectors))

    def inspector(v: str) -> str:
        return min(pool, key=lambda p: rank("assign", v, p))

    return tuple(chosen), tuple((v, inspector(v)) for v in chosen)


def test_r043_algorithm_name() -> None:
    """The published algorithm has a stable name."""
    assert ALGORITHM == "gaozhi-draw-v1"


def test_r043_matches_published_algorithm() -> None:
    """R-043: the draw is the documented HMAC ranking — anyone can recompute it."""
    assert compute_draw(SEED, POP, POOL, 10) == _reference(SEED, POP, POOL, 10)


def test_r043_same_seed_same_result_regardless_of_input_order() -> None:
    """R-043: same public inputs → same result, whatever order the lists come in."""
    first = compute_draw(SEED, POP, POOL, 15)
    shuffled = POP[:]
    random.Random(7).shuffle(shuffled)
    assert compute_draw(SEED, shuffled, list(reversed(POOL)), 15) == first
    assert compute_draw(SEED, POP + POP[:5], POOL + POOL, 15) == first  # duplicates ignored


def test_r043_different_seeds_generally_differ() -> None:
    """R-043: different seeds select different pledges (over many seeds, not one fixed set)."""
    results = {compute_draw(f"{n:032x}", POP, POOL, 10)[0] for n in range(1, 41)}
    assert len(results) > 30


def test_r043_selection_is_spread_over_the_population() -> None:
    """R-043 (random selection of inspected entities): over many public seeds every pledge is
    drawn at about the rate (deterministic seeds: the bounds are exact, not flaky)."""
    counts: Counter[str] = Counter()
    for n in range(400):
        counts.update(compute_draw(hashlib.sha256(str(n).encode()).hexdigest(), POP, POOL, 25)[0])
    assert set(counts) == set(POP)
    assert all(50 <= c <= 150 for c in counts.values()), counts.most_common(3)
    inspectors: Counter[str] = Counter()
    for n in range(100):
        inspectors.update(who for _, who in compute_draw(f"{n + 1:032x}", POP, POOL, 25)[1])
    assert set(inspectors) == set(POOL)


@pytest.mark.parametrize(
    ("n", "rate", "k"), [(1, 1, 1), (6, 30, 2), (10, 5, 1), (40, 10, 4), (40, 11, 5), (7, 100, 7)]
)
def test_r043_selection_size(n: int, rate: int, k: int) -> None:
    """R-043: ceil(n × rate / 100) pledges are drawn, at least one."""
    selected, assignments = compute_draw(SEED, POP[:n], POOL, rate)
    assert len(selected) == k == len(assignments)


def test_r043_empty_population() -> None:
    """Nothing to draw from: an empty result (an inspector pool is then not needed)."""
    assert compute_draw(SEED, [], [], 10) == ((), ())


@pytest.mark.parametrize("rate", [0, -5, 101, 1000])
def test_r043_invalid_rate(rate: int) -> None:
    """The rate is a percentage between 1 and 100 (GZ-RL-240)."""
    with pytest.raises(RuleViolationError) as ei:
        compute_draw(SEED, POP, POOL, rate)
    assert ei.value.code == "GZ-RL-240"


def test_r043_empty_inspector_pool() -> None:
    """R-043 (random assignment of inspectors): a pool is required (GZ-RL-241)."""
    with pytest.raises(RuleViolationError) as ei:
        compute_draw(SEED, POP, [], 10)
    assert ei.value.code == "GZ-RL-241" and "R-043" in ei.value.message


@pytest.mark.parametrize("seed", ["xyz", "abc", "00 11", "0x0011", ""])
def test_r043_invalid_seed(seed: str) -> None:
    """The public seed is hexadecimal (GZ-RL-242)."""
    with pytest.raises(RuleViolationError) as ei:
        compute_draw(seed, POP, POOL, 10)
    assert ei.value.code == "GZ-RL-242"


@settings(max_examples=80, deadline=None)
@given(
    seed=seeds,
    population=st.lists(ids, max_size=40),
    pool=st.lists(ids, min_size=1, max_size=6),
    rate=st.integers(min_value=1, max_value=100),
)
def test_r043_properties(seed: str, population: list[str], pool: list[str], rate: int) -> None:
    """Property (R-043): size = ceil(n·rate/100) ≥ 1 (n > 0), the selection is a sorted subset
    of the population, every selected pledge gets exactly one inspector from the pool, and
    the draw is a pure function of the public inputs."""
    selected, assignments = compute_draw(seed, population, pool, rate)
    n = len(set(population))
    expected = min(n, max(1, math.ceil(n * rate / 100))) if n else 0
    assert len(selected) == expected
    assert list(selected) == sorted(selected) and len(set(selected)) == len(selected)
    assert set(selected) <= set(population)
    assert [v for v, _ in assignments] == list(selected)
    assert all(who in pool for _, who in assignments)
    assert compute_draw(seed, list(reversed(population)), pool, rate) == (selected, assignments)
    assert (selected, assignments) == _reference(seed, population, pool, rate)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, rate=st.integers(min_value=1, max_value=99))
def test_r043_higher_rate_draws_a_superset(seed: str, rate: int) -> None:
    """Property: the ranking is fixed by the seed, so raising the rate only adds pledges."""
    low = set(compute_draw(seed, POP, POOL, rate)[0])
    high = set(compute_draw(seed, POP, POOL, rate + 1)[0])
    assert low <= high
