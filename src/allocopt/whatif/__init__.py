"""What-if studies: compare scenarios, sweep settings, plan NQSW intake, run in parallel."""
