"""Commands for whatif (filled in by its issue)."""
