"""The public API: exported from the package root, loaded lazily, and documented in
docs/api.md by examples that run here as doctests."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys

from .conftest import ROOT

API = ("load_team", "score", "allocate", "recommend", "rebalance", "simulate", "compare",
       "sweep", "plan_intake")


def test_docs_api_examples_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                              globs={"allocopt": __import__("allocopt")})
    assert result.failed == 0 and result.attempted >= 20


def test_every_function_is_exported_and_documented() -> None:
    import allocopt

    text = (ROOT / "docs" / "api.md").read_text()
    for name in API:
        assert name in allocopt.__all__ and callable(getattr(allocopt, name))
        assert re.search(rf"`{name}\(", text), name
        assert getattr(allocopt, name).__doc__


def test_import_allocopt_stays_cheap() -> None:
    code = ("import sys, allocopt; heavy = [m for m in ('ortools', 'matplotlib', 'openpyxl', "
            "'scipy', 'simpy', 'numpy', 'pydantic') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_notebooks_use_only_the_public_api() -> None:
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                           if c["cell_type"] == "code")
        imports = re.findall(r"^\s*(?:from|import) (allocopt[\w.]*)", source, flags=re.M)
        assert imports and set(imports) == {"allocopt"}, (path.name, imports)
