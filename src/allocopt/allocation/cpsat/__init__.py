"""The optimiser: the allocation meeting as a CP-SAT model, solved level by level.

Data -> model -> solve -> read, each a module (the OR-Tools samples' shape):

- :mod:`.model`: the count model, built once: for each load type and each worker
  the static rules allow, how many households of the type the worker leads (and
  co-works), with every cumulative hard rule as a linear constraint in exact
  integers, and the expressions of the levels;
- :mod:`.stages`: the levels of :mod:`allocopt.allocation.objective` as stages
  (:class:`~.stages.Level`), each with its bound, expression and value;
- :mod:`.bounds`: bounds that let a stage be skipped when its starting
  allocation meets them (cheap ones, the priority LP, household sums);
- :mod:`.starts`: the starting points (greedy, packing) and the heuristics tried
  before a solve;
- :mod:`.preferences`: level 5, on finer classes of households;
- :mod:`.solution`: allocations in and out of the model (counts, hints, reading
  the solver's answer back into households);
- :mod:`.solve`: the stages run in order, each from the best allocation known;
- :mod:`.conflicts`: which pins and rules cannot all hold;
- :mod:`.allocator`: :class:`CpSatAllocator`, the whole call within its time limit.

No I/O here; every result is checked by the explanations' independent
validator before anyone reads it.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from allocopt.allocation.cpsat.allocator import CpSatAllocator, canonical

__all__ = ["CpSatAllocator", "canonical"]


def __getattr__(name: str) -> object:
    # Loaded when first asked for, not with the package: modules outside the optimiser
    # that read one of its parts (even_spread reads the spread hull of .bounds) would
    # otherwise import the whole optimiser, and through .starts themselves, half-built.
    if name in __all__:
        from allocopt.allocation.cpsat import allocator

        return getattr(allocator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
