"""The issue-6 benchmark script runs end to end on a tiny archive and reports every section.

Speed is never asserted: the figures depend on the machine. Only the shape of the JSON is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "run.py"
SECTIONS = ("machine", "archive", "training", "library", "naive", "floor", "ratios", "label", "model", "million",
            "latency", "targets")


def _numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every numeric leaf of a JSON value, with its path (booleans are not numbers here)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "300", "--repeats", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_every_section_is_present(result: tuple[dict[str, Any], str]) -> None:
    data, _ = result
    assert set(SECTIONS) <= set(data)
    assert data["rows"] == data["archive"]["rows"] == 300
    assert data["million"] == {"skipped": True}
    for key in ("library", "naive", "floor"):
        assert {"cold_rows_per_s", "warm_rows_per_s", "cold_rows_per_cpu_s", "warm_rows_per_cpu_s"} <= set(data[key])
    assert {"library_over_naive_cold", "library_over_naive_warm", "library_over_floor_cold",
            "library_over_floor_warm"} <= set(data["ratios"])
    assert data["label"]["jobs1"]["jobs"] == 1 and data["label"]["jobs2"]["jobs"] == 2
    assert data["label"]["jobs2"]["runs"][0]["processes"] >= 3  # the parent and two workers were measured
    assert data["label"]["rss_method"]
    assert {"load_s", "file_mb", "import_s"} <= set(data["model"])
    assert {"median_ms", "p99_ms"} <= set(data["latency"])
    assert data["latency"]["calls"] >= 1000
    assert all(isinstance(t["met"], bool) for t in data["targets"].values())


@pytest.mark.parametrize("section", [s for s in SECTIONS if s not in ("machine", "million", "targets")])
def test_figures_are_positive(result: tuple[dict[str, Any], str], section: str) -> None:
    data, _ = result
    numbers = list(_numbers(data[section], section))
    assert numbers, f"no figures in {section}"
    # an archive file that is absent contributes 0 texts; every other figure must be positive
    bad = [(path, v) for path, v in numbers if v <= 0 and not path.startswith("archive.sources")]
    assert not bad, bad


def test_label_wrote_every_row(result: tuple[dict[str, Any], str]) -> None:
    data, _ = result
    for key in ("jobs1", "jobs2"):
        for run in data["label"][key]["runs"]:
            assert run["rows"] == 300


def test_table_is_printed(result: tuple[dict[str, Any], str]) -> None:
    _, table = result
    for text in ("machine:", "maladmin_nlp load_model().predict", "naive", "floor", "--jobs 2", "load_model()",
                 "1,000,000-row CSV: skipped", "p99", "targets of issue 6"):
        assert text in table
