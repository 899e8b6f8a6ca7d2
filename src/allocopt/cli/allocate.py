"""Commands for allocate (filled in by its issue)."""
