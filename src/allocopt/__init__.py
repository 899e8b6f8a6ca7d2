"""allocopt: safe, fair caseloads for children's social work.

The core (domain, schemes, capacity, board) does no I/O; allocation and
simulation build on it; files, the CLI and reports sit at the edge.

The public API (docs/api.md) is importable from here::

    import allocopt
    board = allocopt.score("scenarios/examples/team.yaml")

Its functions load on first use, so ``import allocopt`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Chart", "Projection", "allocate", "answer", "charts", "compare", "load_scenario",
    "load_team", "plan_intake", "rebalance", "recommend", "report_page", "score", "simulate",
    "sweep", "table", "what_if",
]

if TYPE_CHECKING:
    from allocopt.api import (
        Chart,
        Projection,
        allocate,
        answer,
        charts,
        compare,
        load_scenario,
        load_team,
        plan_intake,
        rebalance,
        recommend,
        report_page,
        score,
        simulate,
        sweep,
        table,
        what_if,
    )


def __getattr__(name: str) -> Any:
    # Loaded on first use: the commands import this package and must start fast.
    if name in __all__:
        from allocopt import api

        return getattr(api, name)
    raise AttributeError(f"module 'allocopt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
