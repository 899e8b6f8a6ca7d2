"""Commands for importing (filled in by its issue)."""
