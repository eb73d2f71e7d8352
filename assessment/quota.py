"""The cumulative "好" quota (domain.md §5, seed 002 §五(二)). Pure functions over exact decimals.

For a section (or a whole unit) in quarter q with N_q participants:

    A_q = C_{q-1} + ratio × N_q          (C_0 = 0, reset every year)
    places_q = floor(A_q) if A_q ≥ 1;  1 if 0 < A_q < 1;  0 if A_q ≤ 0
    C_q = A_q − nominations_q

Unused places carry forward inside the year; a nomination the committee rejects still counts. Any history
is accepted as it is (more nominations than places, a ratio of 0, nobody taking part): data migrated from
older systems looks like that, so nothing here raises on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class QuarterQuota:
    """One quarter of a ledger: what was accumulated, the places it gives, what carries forward."""

    participants: int
    accumulated: Decimal  # A_q
    places: int
    nominations: int
    carried: Decimal  # C_q


def places_from(accumulated: Decimal) -> int:
    if accumulated >= ONE:
        return int(accumulated.to_integral_value(rounding=ROUND_FLOOR))
    if accumulated > ZERO:
        return 1  # fewer than one place accumulated: the section may still report one
    return 0


def ledger(*, ratio: Decimal, participants: Sequence[int], nominations: Sequence[int]) -> list[QuarterQuota]:
    """The year so far, quarter by quarter. ``nominations`` may be shorter than ``participants`` (the
    current quarter's are not known yet); a missing figure counts as 0 and extra ones are ignored."""
    rows: list[QuarterQuota] = []
    carried = ZERO
    for index, count in enumerate(participants):
        accumulated = carried + ratio * Decimal(count)
        nominated = nominations[index] if index < len(nominations) else 0
        carried = accumulated - Decimal(nominated)
        rows.append(
            QuarterQuota(
                participants=count,
                accumulated=accumulated,
                places=places_from(accumulated),
                nominations=nominated,
                carried=carried,
            )
        )
    return rows


def good_places(*, ratio: Decimal, participants: Sequence[int], nominations: Sequence[int]) -> int:
    """The current quarter's "好" places.

    ``participants`` holds each quarter of the year so far, the current one last; ``nominations`` the
    nominations made in each earlier quarter. With no quarter at all there are no places.
    """
    if not participants:
        return 0
    return ledger(ratio=ratio, participants=participants, nominations=list(nominations)[: len(participants) - 1])[
        -1
    ].places
