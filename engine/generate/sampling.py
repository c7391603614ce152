"""Random offsets and choices the procedure planters share: day and minute gaps between steps, and the one
case of each violating office a plant is put on."""

from __future__ import annotations

import numpy as np


def days(rng: np.random.Generator, low: int, high: int, count: int) -> np.ndarray:
    """Whole-day gaps from low to high inclusive."""
    return rng.integers(low, high + 1, count).astype("timedelta64[D]")


def minutes(rng: np.random.Generator, low: int, high: int, count: int) -> np.ndarray:
    """Minute gaps from low to high inclusive (reports are written to the minute)."""
    return rng.integers(low, high + 1, count).astype("timedelta64[m]")


def one_row_per_office(rng: np.random.Generator, offices: np.ndarray, chosen: np.ndarray,
                       eligible: np.ndarray | None = None) -> np.ndarray:
    """Positions of one random eligible row of each chosen office, in office order.

    An office with no eligible row gets none, so callers choose violators among offices that have one."""
    mask = np.isin(offices, chosen)
    if eligible is not None:
        mask &= eligible
    positions = np.flatnonzero(mask)
    positions = positions[rng.permutation(len(positions))]
    _, first = np.unique(offices[positions], return_index=True)
    return positions[first]
