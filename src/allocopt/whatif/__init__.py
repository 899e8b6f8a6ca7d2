"""What-if studies: compare scenarios, sweep settings, plan NQSW intake, run in parallel.

- :mod:`~allocopt.whatif.compare`: scenarios run with common random numbers and
  their paired differences with confidence intervals;
- :mod:`~allocopt.whatif.sweep`: one or two settings over a range (``PATH=VALUES``);
- :mod:`~allocopt.whatif.intake`: the smallest NQSW intake meeting the service's targets;
- :mod:`~allocopt.whatif.runs`: replications as small summaries, and their statistics;
- :mod:`~allocopt.whatif.parallel`: where tasks run (this process, local processes, Dask).

Nothing here reads or writes files or draws: the CLI, :mod:`allocopt.io.whatif_export`
and :mod:`allocopt.report.whatif_report` do.
"""
