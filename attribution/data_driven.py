"""Markov-chain removal effects and Shapley values over touch paths, both exact.

A path is one contact's touches in time order, each touch a *state* (a channel, or a campaign
for ad touches), ending in a conversion or not. Identical paths may be given once with their
counts of conversions and non-conversions (`Paths.conversions`, `Paths.nulls`).

Markov (first order): transition counts between states, from a start state, and from each
path's last touch to `conversion` or `null`, define an absorbing chain. The conversion
probability is its absorption probability from start, solved exactly as a linear system; the
removal effect of a state is the share of that probability lost when every transition into the
state goes to `null` instead. Removing one state changes one column of the transient matrix, so
all removals come from one factorisation by the Sherman-Morrison identity instead of one solve
each. Consecutive repeats of a state need no special handling: a self-loop does not change
absorption probabilities.

Shapley: the coalition of a path is its set of distinct states. The game's worth of a coalition
S is the sum, over the coalitions T within S that paths were seen with, of T's conversion rate
(conversions / paths with exactly T), so non-converting paths count. The conversion rates are
the game's Harsanyi dividends, and its Shapley value has the closed form
phi_j = sum over seen T containing j of rate(T) / |T|: exact with hundreds of states, where the
definition's sum over all 2^n coalitions is not. Efficiency (the values sum to the worth of all
states) and symmetry hold by construction; tests check both against the definition.

Both models' values are then scaled to the observed conversions (`credited_conversions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Paths:
    """Touch paths in flat form.

    `path` (one entry per touch, non-decreasing, 0..n_paths-1) and `state` (0..n_states-1) list
    the touches in order; `conversions` and `nulls` give, per path, how many times it ended in a
    conversion and in none (1/0 or 0/1 for one contact's path; larger for aggregated paths).
    """

    path: np.ndarray
    state: np.ndarray
    conversions: np.ndarray
    nulls: np.ndarray
    n_states: int

    def __post_init__(self) -> None:
        n_paths = len(self.conversions)
        if len(self.path) != len(self.state):
            raise ValueError("path and state must have one entry per touch")
        if len(self.nulls) != n_paths:
            raise ValueError("conversions and nulls must have one entry per path")
        if len(self.path) and np.any(self.path[1:] < self.path[:-1]):
            raise ValueError("touches must be ordered by path")
        if len(self.state) and (self.state.min() < 0 or self.state.max() >= self.n_states):
            raise ValueError(f"states must be in 0..{self.n_states - 1}")
        # Ordered touches cover paths 0..n_paths-1 exactly when they start at 0, end at the last
        # path and never skip one.
        if n_paths and (not len(self.path) or self.path[0] != 0
                        or self.path[-1] != n_paths - 1
                        or np.any(self.path[1:] - self.path[:-1] > 1)):
            raise ValueError("every path needs at least one touch (paths are 0..n_paths-1)")

    @classmethod
    def from_lists(cls, paths: list[list[int]], converted: list[bool], n_states: int) -> Paths:
        """Paths given as lists of states, one conversion flag each (small cases, tests)."""
        lengths = np.array([len(p) for p in paths], dtype=np.int64)
        flags = np.asarray(converted, dtype=np.float64)
        return cls(path=np.repeat(np.arange(len(paths)), lengths),
                   state=np.array([s for p in paths for s in p], dtype=np.int64),
                   conversions=flags, nulls=1.0 - flags, n_states=n_states)

    @property
    def n_paths(self) -> int:
        return len(self.conversions)

    @property
    def total_conversions(self) -> float:
        return float(self.conversions.sum())


@dataclass(frozen=True)
class MarkovResult:
    conversion_probability: float
    removal_effects: np.ndarray  # per state, 0..1
    credited_conversions: np.ndarray  # removal effects scaled to the observed conversions
    transition_counts: np.ndarray  # (n_states + 3) square: states, start, conversion, null


@dataclass(frozen=True)
class ShapleyResult:
    values: np.ndarray  # per state, the Shapley value of the conversion-rate game
    credited_conversions: np.ndarray  # values scaled to the observed conversions
    coalitions: int  # distinct state sets seen


def transition_counts(paths: Paths) -> np.ndarray:
    """Weighted transition counts; rows and columns are the states, then start, conversion,
    null."""
    n = paths.n_states
    start, conversion, null = n, n + 1, n + 2
    size = n + 3
    # int32 codes where the flat transition index fits, int64 beyond
    state = paths.state.astype(np.int32 if size * size < 2**31 else np.int64, copy=False)
    first = np.empty(len(state), dtype=bool)
    first[0] = True
    np.not_equal(paths.path[1:], paths.path[:-1], out=first[1:])
    # Every touch is the target of one transition: from the touch before it, or from start.
    previous = np.empty_like(state)
    previous[0] = start
    previous[1:] = state[:-1]
    previous[first] = start
    into = previous * size + state
    weight = paths.conversions + paths.nulls
    if np.all(weight == 1):  # one row per path: plain counts are cheaper than weighted ones
        counts = np.bincount(into, minlength=size * size).astype(np.float64)
    else:
        counts = np.bincount(into, weights=weight[paths.path], minlength=size * size)
    # Each path's last touch goes to conversion or null.
    last_state = state[np.flatnonzero(np.r_[first[1:], True])]
    counts += np.bincount(last_state * size + conversion, weights=paths.conversions,
                          minlength=size * size)
    counts += np.bincount(last_state * size + null, weights=paths.nulls, minlength=size * size)
    return counts.reshape(size, size)


def markov_removal_effects(paths: Paths) -> MarkovResult:
    """First-order Markov removal effects, solved exactly from the absorbing chain."""
    n = paths.n_states
    counts = transition_counts(paths)
    transient = n + 1  # the states, then start
    out = counts[:transient].sum(axis=1)
    # A state no path visits has no outgoing transitions; it is never reached either, so any
    # row will do: send it to null.
    probabilities = np.divide(counts[:transient], out[:, None],
                              out=np.zeros((transient, n + 3)), where=out[:, None] > 0)
    probabilities[out == 0, n + 2] = 1.0
    q = probabilities[:, :transient]
    to_conversion = probabilities[:, n + 1]
    a = np.eye(transient) - q
    x = np.linalg.solve(a, to_conversion)
    base = float(x[n])
    if base <= 0:
        zeros = np.zeros(n)
        return MarkovResult(0.0, zeros, zeros.copy(), counts)
    # Removing state k zeroes column k of q: a = a + q[:, k] e_k^T, so by Sherman-Morrison
    # x' = x - z_k * x[k] / (1 + z_k[k]) with z_k = a^-1 q[:, k].
    z = np.linalg.solve(a, q[:, :n])
    without = x[n] - z[n, :] * x[:n] / (1.0 + np.diagonal(z[:n, :n]))
    effects = np.clip(1.0 - without / base, 0.0, 1.0)
    return MarkovResult(base, effects, _scaled(effects, paths.total_conversions), counts)


def coalitions(paths: Paths) -> tuple[np.ndarray, np.ndarray]:
    """The distinct state set of each path as a bit matrix (paths x words of 64 states), and
    the index of each path's set among the distinct sets (returned as (members, inverse) where
    members is a (sets x n_states) boolean matrix)."""
    words = max(1, -(-paths.n_states // 64))
    bits = np.zeros((paths.n_paths, words), dtype=np.uint64)
    np.bitwise_or.at(bits, (paths.path, paths.state // 64),
                     np.left_shift(np.uint64(1), (paths.state % 64).astype(np.uint64)))
    rows = np.ascontiguousarray(bits).view(np.dtype((np.void, 8 * words))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    distinct = bits[first]
    # Little-endian bytes, bits least significant first: bit b of word w is state 64w + b.
    members = np.unpackbits(distinct.astype("<u8").view(np.uint8), axis=1,
                            bitorder="little")[:, :paths.n_states].astype(bool)
    return members, inverse.ravel()


def shapley_values(paths: Paths) -> ShapleyResult:
    """Exact Shapley values of the conversion-rate game over the states' coalitions."""
    members, inverse = coalitions(paths)
    sets = members.shape[0]
    conversions = np.bincount(inverse, weights=paths.conversions, minlength=sets)
    total = conversions + np.bincount(inverse, weights=paths.nulls, minlength=sets)
    rate = np.divide(conversions, total, out=np.zeros(sets), where=total > 0)
    size = members.sum(axis=1)
    values = (rate / size) @ members
    return ShapleyResult(values, _scaled(values, paths.total_conversions), sets)


def _scaled(weights: np.ndarray, conversions: float) -> np.ndarray:
    total = weights.sum()
    if total <= 0:
        return np.zeros_like(weights)
    return weights / total * conversions


def encode(path: np.ndarray, labels, conversions: np.ndarray, nulls: np.ndarray
           ) -> tuple[Paths, list[str]]:
    """Paths from one row per touch in path order: `path` (0, 0, 1, 2, 2, ...: the touch's
    path) and `labels` (its state, as text: any sequence or Arrow array), with each path's
    conversions and nulls. States are numbered by dictionary encoding; returns the paths and
    the state labels by number."""
    encoded = pc.dictionary_encode(labels if isinstance(labels, pa.Array | pa.ChunkedArray)
                                   else pa.array(labels))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    paths = Paths(path=np.asarray(path), state=encoded.indices.to_numpy(zero_copy_only=False),
                  conversions=np.asarray(conversions, dtype=np.float64),
                  nulls=np.asarray(nulls, dtype=np.float64), n_states=len(encoded.dictionary))
    return paths, encoded.dictionary.to_pylist()


def state_weights(paths: Paths, names: list[str], level: str) -> list[dict]:
    """One row per model and state: the Markov removal effect or the Shapley value, and the
    conversions credited to the state."""
    markov = markov_removal_effects(paths)
    shapley = shapley_values(paths)
    rows = []
    for s, name in enumerate(names):
        rows.append({"attribution_model": "markov", "level": level, "state": str(name),
                     "removal_effect": float(markov.removal_effects[s]), "shapley_value": None,
                     "weight": float(markov.removal_effects[s]),
                     "credited_conversions": float(markov.credited_conversions[s])})
        rows.append({"attribution_model": "shapley", "level": level, "state": str(name),
                     "removal_effect": None, "shapley_value": float(shapley.values[s]),
                     "weight": float(shapley.values[s]),
                     "credited_conversions": float(shapley.credited_conversions[s])})
    return rows
