"""Bounds on each level of the objective, so that a stage whose starting allocation
already meets its bound is skipped without a solve.

- :mod:`.levels`: cheap bounds per level, in whole units (water level, fewest
  workers beyond the acceptable band, longest-waiting households, ...);
- :mod:`.priority_lp`: the LP relaxation of the count model on level 1 (GLOP);
- :mod:`.household_sums`: the same arguments with each worker's room taken as sums
  of whole households, tried before a proof solve on small models.
"""
