"""Commands for simulate (filled in by its issue)."""
