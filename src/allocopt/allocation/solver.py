"""The CP-SAT solver every optimiser uses, set up to leave Ctrl-C to the command.

CP-SAT takes SIGINT for itself by default, to stop a search early; the command's
own handling (allocopt.cli.running) then never hears Ctrl-C, and after a solve the
signal is left to its default action, which kills the process without a word. With
``catch_sigint_signal`` off, Ctrl-C reaches the command, which stops at once, says
"interrupted" and leaves nothing half-written.
"""

from __future__ import annotations

from ortools.sat.python import cp_model


def cp_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that does not catch Ctrl-C."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver
