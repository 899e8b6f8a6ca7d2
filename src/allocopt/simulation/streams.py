"""Named random streams of one replication, for common random numbers.

Replication ``i`` of a run with seed ``s`` draws from the numpy SeedSequence
``(s, spawn_key=(i, ...))``, so a replication's numbers depend only on
``(s, i)``, never on how many replications ran before it or in which process.

Inside a replication every source of randomness has its own stream, keyed by
what it describes rather than by when it is used:

- referral arrivals (times and which team),
- each household's pathway (children, assessment, outcome, durations, court),
  keyed by the household's referral number,
- each post (resignations, recruitment delays, agency cover), keyed by the post,
- each worker in a post (experience, sickness, leave), keyed by post and occupant.

Two scenarios run with the same seed therefore see the same referrals and the
same families: a staffing cut changes who holds the work, not the work itself.
"""

from __future__ import annotations

import numpy as np

ARRIVALS = 0
HOUSEHOLD = 1
POST = 2
WORKER = 3
INITIAL = 4
COHORT = 5
REREFERRAL = 6
PENDING = 7


class Streams:
    """The independent random streams of replication `replication` of seed `seed`."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be non-negative")
        self.seed = seed
        self.replication = replication

    def stream(self, *key: int) -> np.random.Generator:
        """The generator for one named source of randomness."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key))
        return np.random.Generator(np.random.PCG64(sequence))

    def arrivals(self) -> np.random.Generator:
        """Referral times and the team each referral goes to."""
        return self.stream(ARRIVALS)

    def household(self, number: int) -> np.random.Generator:
        """The pathway of the `number`-th referred household."""
        return self.stream(HOUSEHOLD, number)

    def initial(self, *key: int) -> np.random.Generator:
        """The caseload and waiting list on the first day (by post, or team and place)."""
        return self.stream(INITIAL, *key)

    def post(self, *key: int) -> np.random.Generator:
        """Resignations, vacancies and recruitment of one post."""
        return self.stream(POST, *key)

    def rereferral(self, household: int) -> np.random.Generator:
        """The pathway of a closed household referred again (by its number in the run)."""
        return self.stream(REREFERRAL, household)

    def pending(self, *key: int) -> np.random.Generator:
        """Re-referrals of cases closed before the first day (their count, times, pathways)."""
        return self.stream(PENDING, *key)

    def worker(self, *key: int) -> np.random.Generator:
        """Experience, sickness and leave of one occupant of a post."""
        return self.stream(WORKER, *key)
