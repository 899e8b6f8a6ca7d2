"""The scenario simulator: what happens to caseloads over the coming months if...

- :mod:`~allocopt.simulation.scenario`: a scenario as data (pydantic), with
  ``extends:`` inheritance handled by the file reader and ``PATH=VALUE`` overrides.
- :mod:`~allocopt.simulation.model`: the SimPy model of the service (referrals,
  pathway, allocation meetings, workforce).
- :mod:`~allocopt.simulation.records`: flat immutable records, tidy tables and the
  aggregation over replications (P10/P50/P90).
- :mod:`~allocopt.simulation.runner`: one replication as a pure, picklable function
  and its seed streams (common random numbers).
"""
