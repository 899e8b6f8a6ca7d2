"""The weekly allocation meeting: who takes each waiting household, and why."""
