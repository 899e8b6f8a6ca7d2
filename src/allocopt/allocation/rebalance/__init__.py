"""The written plan for workers in red: the fewest transfers that bring them out.

- :mod:`.problem`: the team's loads and every lead holding that may move, as an
  allocation problem whose households are the holdings;
- :mod:`.model`: each phase of the plan as a small CP-SAT model;
- :mod:`.plan`: the transfers, their effect on both workers, and the summary.
"""

from allocopt.allocation.rebalance.plan import (
    RebalancePlan,
    Transfer,
    plan_from_moves,
    plan_rebalance,
)
from allocopt.allocation.rebalance.problem import Holding, RebalanceProblem, rebalance_problem

__all__ = ["Holding", "RebalancePlan", "RebalanceProblem", "Transfer", "plan_from_moves",
           "plan_rebalance", "rebalance_problem"]
