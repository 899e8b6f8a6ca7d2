"""Student t quantiles: exact at every df from 2 to 200, not a table's neighbour."""

from __future__ import annotations

import math

import pytest

from allocopt.confidence import t_quantile, t_quantile_95, two_sided_probability
from allocopt.simulation.records import mean_ci

# Published two-sided 95 % values, to 6 decimals.
PUBLISHED = {2: 4.302653, 3: 3.182446, 4: 2.776445, 5: 2.570582, 6: 2.446912, 7: 2.364624,
             8: 2.306004, 9: 2.262157, 10: 2.228139, 11: 2.200985, 15: 2.131450, 19: 2.093024,
             20: 2.085963, 24: 2.063899, 29: 2.045230, 30: 2.042272, 40: 2.021075,
             49: 2.009575, 60: 2.000298, 99: 1.984217, 100: 1.983972, 120: 1.979930,
             150: 1.975905, 199: 1.971957, 200: 1.971896}


def _density(x: float, df: int) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))


def _integral(t: float, df: int, steps: int = 2000) -> float:
    """P(|T| <= t) by Simpson's rule on the density: independent of the closed form."""
    h = t / steps
    total = _density(0, df) + _density(t, df)
    total += sum((4 if k % 2 else 2) * _density(k * h, df) for k in range(1, steps))
    return 2 * total * h / 3


@pytest.mark.parametrize("df", sorted(PUBLISHED))
def test_published_values(df: int) -> None:
    assert t_quantile_95(df) == pytest.approx(PUBLISHED[df], abs=5e-7)


def test_every_df_from_2_to_200_is_exact() -> None:
    previous = math.inf
    for df in range(2, 201):
        q = t_quantile_95(df)
        # the quantile is where the density integrates to 0.95 ...
        assert _integral(q, df) == pytest.approx(0.95, abs=1e-9), df
        # ... decreasing in df, and above the normal quantile
        assert 1.959963984540054 < q < previous
        previous = q


def test_twenty_runs_use_the_true_value_not_the_table_neighbour() -> None:
    # 20 runs: 19 degrees of freedom, 2.093 (a table row for 20 gave 2.086: too narrow)
    assert round(t_quantile_95(19), 3) == 2.093
    values = [float(v) for v in range(20)]
    mean, sd, _low, high = mean_ci(values)
    assert high - mean == pytest.approx(2.0930240544 * sd / math.sqrt(20))


def test_other_levels_and_edges() -> None:
    assert t_quantile(0.90, 1) == pytest.approx(6.313752, abs=5e-7)
    assert t_quantile(0.99, 10) == pytest.approx(3.169273, abs=5e-7)
    assert two_sided_probability(0.0, 5) == 0.0
    assert two_sided_probability(math.inf, 5) == 1.0
    assert math.isnan(t_quantile_95(0))
