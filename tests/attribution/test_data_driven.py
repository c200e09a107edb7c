"""Markov removal effects and Shapley values against hand-solved and brute-force answers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyarrow as pa
import pytest

from attribution.data_driven import Paths, markov_removal_effects, shapley_values
from benchmarks.attribution import exact_from_strings

A, B = 0, 1


def hand_paths() -> Paths:
    # A > B converts; A alone does not; B alone converts once and fails once.
    return Paths.from_lists([[A, B], [A], [B], [B]], [True, False, True, False], n_states=2)


def test_markov_on_a_chain_solved_by_hand():
    # start -> A 1/2, B 1/2; A -> B 1/2, null 1/2; B -> conversion 2/3, null 1/3.
    # P(conversion) = 1/2 * (1/2 * 2/3) + 1/2 * 2/3 = 1/2.
    # Without A: 1/2 * 2/3 = 1/3, removal effect 1/3. Without B nothing converts: effect 1.
    result = markov_removal_effects(hand_paths())
    assert result.conversion_probability == pytest.approx(1 / 2)
    assert result.removal_effects == pytest.approx([1 / 3, 1.0])
    # Two conversions shared 1/3 : 1.
    assert result.credited_conversions == pytest.approx([0.5, 1.5])


def _direct_removal_effects(paths: Paths) -> np.ndarray:
    """The definition, one linear solve per removed state."""
    counts = markov_removal_effects(paths).transition_counts
    n = paths.n_states

    def conversion_probability(removed: int | None) -> float:
        c = counts.copy()
        if removed is not None:
            c[:, n + 2] += c[:, removed]
            c[:, removed] = 0
        p = c[: n + 1] / np.maximum(c[: n + 1].sum(axis=1, keepdims=True), 1e-300)
        x = np.linalg.solve(np.eye(n + 1) - p[:, : n + 1], p[:, n + 1])
        return x[n]

    base = conversion_probability(None)
    return np.array([1 - conversion_probability(k) / base for k in range(n)])


def random_paths(seed: int, n_states: int, n_paths: int, max_length: int = 6) -> Paths:
    rng = np.random.default_rng(seed)
    paths = [list(rng.integers(0, n_states, rng.integers(1, max_length + 1)))
             for _ in range(n_paths)]
    for state in range(n_states):  # every state is seen at least once
        paths[state % n_paths].append(state)
    converted = list(rng.uniform(size=n_paths) < 0.3)
    return Paths.from_lists(paths, converted, n_states)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_markov_removal_effects_equal_one_solve_per_removed_state(seed):
    paths = random_paths(seed, n_states=6, n_paths=200)
    result = markov_removal_effects(paths)
    assert result.removal_effects == pytest.approx(_direct_removal_effects(paths), abs=1e-12)
    assert result.credited_conversions.sum() == pytest.approx(paths.total_conversions)


def test_markov_ignores_repeats_of_a_state():
    repeated = Paths.from_lists([[A, A, B], [A, A], [B, B], [B]], [True, False, True, False], 2)
    assert markov_removal_effects(repeated).removal_effects == pytest.approx(
        markov_removal_effects(hand_paths()).removal_effects)


def test_aggregated_paths_give_the_same_answer_as_one_row_per_path():
    aggregated = Paths(path=np.array([0, 0, 1, 2]), state=np.array([A, B, A, B]),
                       conversions=np.array([1.0, 0.0, 1.0]), nulls=np.array([0.0, 1.0, 1.0]),
                       n_states=2)
    assert markov_removal_effects(aggregated).removal_effects == pytest.approx(
        markov_removal_effects(hand_paths()).removal_effects)
    assert shapley_values(aggregated).values == pytest.approx(
        shapley_values(hand_paths()).values)


def test_shapley_on_the_hand_example():
    # Coalitions: {A,B} converts 1 of 1 (rate 1), {A} 0 of 1, {B} 1 of 2 (rate 1/2).
    # phi_A = 1/2 + 0 = 1/2; phi_B = 1/2 + 1/2 = 1.
    result = shapley_values(hand_paths())
    assert result.values == pytest.approx([0.5, 1.0])
    assert result.coalitions == 3
    assert result.credited_conversions == pytest.approx([2 / 3, 4 / 3])


def _shapley_by_definition(paths: Paths) -> np.ndarray:
    """The Shapley value from its definition: every ordering of the states, each state paid its
    marginal contribution to the worth of the states before it."""
    n = paths.n_states
    rates: dict[frozenset, list[float]] = {}
    starts = np.flatnonzero(np.r_[True, np.diff(paths.path) != 0])
    for p, (lo, hi) in enumerate(zip(starts, [*starts[1:], len(paths.path)], strict=True)):
        key = frozenset(paths.state[lo:hi].tolist())
        seen = rates.setdefault(key, [0.0, 0.0])
        seen[0] += paths.conversions[p]
        seen[1] += paths.conversions[p] + paths.nulls[p]

    def worth(coalition: frozenset) -> float:
        return sum(c / t for key, (c, t) in rates.items() if key <= coalition)

    values = np.zeros(n)
    for order in itertools.permutations(range(n)):
        before: frozenset = frozenset()
        for state in order:
            values[state] += worth(before | {state}) - worth(before)
            before = before | {state}
    return values / math.factorial(n)


@pytest.mark.parametrize("seed", [4, 5])
def test_shapley_closed_form_equals_the_definition(seed):
    paths = random_paths(seed, n_states=5, n_paths=60, max_length=3)
    assert shapley_values(paths).values == pytest.approx(_shapley_by_definition(paths))


def test_shapley_is_efficient_and_symmetric():
    # States 1 and 2 always appear together: symmetric players get equal values.
    paths = Paths.from_lists([[0, 1, 2], [2, 1], [0], [1, 0, 2], [0, 0]],
                             [True, False, True, True, False], n_states=3)
    result = shapley_values(paths)
    assert result.values[1] == pytest.approx(result.values[2])
    # Efficiency: the values add up to the worth of all states together, i.e. the sum of every
    # seen coalition's conversion rate: {0,1,2} 2 of 2, {1,2} 0 of 1, {0} 1 of 2.
    assert result.values.sum() == pytest.approx(1.0 + 0.0 + 0.5)


def test_more_than_64_states_use_several_words():
    paths = Paths.from_lists([[3, 70, 130], [70], [130, 3]], [True, False, True], n_states=140)
    result = shapley_values(paths)
    assert result.values[[3, 70, 130]] == pytest.approx([1 / 3 + 1 / 2, 1 / 3, 1 / 3 + 1 / 2])
    assert result.values.sum() == pytest.approx(2.0)


def test_a_path_without_touches_is_rejected():
    with pytest.raises(ValueError, match="at least one touch"):
        Paths(path=np.array([0]), state=np.array([0]), conversions=np.array([1.0, 0.0]),
              nulls=np.array([0.0, 1.0]), n_states=1)


def test_the_benchmark_parses_path_strings_into_the_hand_solved_chain():
    # The Markov benchmark's input: ChannelAttribution's table of path strings, with the same
    # string twice (counts add up) and the hand example's answer.
    effects, _ = exact_from_strings(pa.array(["a > b", "a", "b", "b"]),
                                    np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert effects == pytest.approx({"a": 1 / 3, "b": 1.0})
    merged, _ = exact_from_strings(pa.array(["a > b", "a", "b"]), np.array([1.0, 0.0, 1.0]),
                                   np.array([0.0, 1.0, 1.0]))
    assert merged == pytest.approx(effects)
