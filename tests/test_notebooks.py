"""The notebooks in ``notebooks/`` run top to bottom without error, and are committed clean.

Each notebook is executed with nbclient in a fresh ``python3`` kernel, in a temporary working
directory, with matplotlib's non-interactive ``Agg`` backend. Needs the ``notebooks`` extra
(``pip install 'maladmin-nlp[notebooks]'``); skipped otherwise. Takes a few minutes: every notebook
is meant to run in under 2 minutes on a 2-core machine.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell
NOTEBOOK_BUDGET = 120  # seconds per notebook on a 2-core machine; reported, not enforced
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in kernel tracebacks


def _read(path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def test_notebooks_exist() -> None:
    assert len(NOTEBOOKS) >= 5, f"expected the five notebooks in {NOTEBOOK_DIR}, found {[p.name for p in NOTEBOOKS]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path: Path) -> None:
    """Outputs cleared, no execution counts, and no reusable logic (functions or classes) defined."""
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not cell.get("outputs"), f"{path.name} cell {i} has outputs; clear them before committing"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count; clear it"
        for line in cell.source.splitlines():
            assert not line.lstrip().startswith(("def ", "class ", "async def ")), (
                f"{path.name} cell {i} defines {line.strip()!r}: notebooks call maladmin_nlp, "
                "reusable logic belongs in the package"
            )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name} must use the python3 kernel"


# jupyter_client, zmq and tornado deprecations are not ours; pyproject turns DeprecationWarning into errors
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")  # 05 exports to Excel
    monkeypatch.setenv("MPLBACKEND", "Agg")  # inherited by the kernel: no windows, no inline images
    monkeypatch.chdir(tmp_path)
    nb = _read(path)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:  # the message holds the failing cell and traceback
        pytest.fail(f"{path.name} failed:\n{_ANSI.sub('', str(exc))}", pytrace=False)
    elapsed = time.perf_counter() - start
    print(f"{path.name}: {elapsed:.1f} s (budget {NOTEBOOK_BUDGET} s on a 2-core machine)")
