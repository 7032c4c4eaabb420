"""maladmin_nlp.distributed on a real distributed.LocalCluster: same rows as batch.label_file, model shipped
once per worker, and a worker killed mid-run costs nothing but time."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from maladmin_nlp import ComplaintClassifier
from maladmin_nlp.batch import OUTPUT_COLUMNS, Progress, WorkerError, label_file
from maladmin_nlp.io import ColumnNotFoundError, InputError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from maladmin_nlp.distributed import (  # noqa: E402 - after the skips
    _MODEL_CACHE,
    INSTALL_HINT,
    DistributedSummary,
    label_dataframe,
    label_files,
)

TEXTS = [
    "KTP saya belum jadi, sudah 5 bulan menunggu",
    'Petugas bilang "uang rokok" 150rb; kalau tidak, berkas tidak diproses',
    "Perawat membentak ibu saya | sangat kasar",
    "Café dekat kantor? Mau tanya jam buka kantor dinas hari Sabtu",
    "Sertifikat tanah belum terbit\npadahal sudah setahun",  # a line break inside a quoted CSV field
    "Oknum minta uang pelicin ’biar cepat’ katanya",
    "",  # empty: kept, unlabelled, error "empty text"
    "Terima kasih, pelayanannya cepat dan ramah",
    "   ",  # blank
    "Pegawai main HP saat melayani antrean panjang",
]


# --------------------------------------------------------------------------- models that report on themselves
class _Wrapped:
    """A model stand-in delegating ``classify`` to a real model (picklable, importable by the workers)."""

    def __init__(self, inner: ComplaintClassifier) -> None:
        self.inner = inner

    def classify(self, texts: Sequence[str]) -> Any:
        return self.inner.classify(texts)


class UnpickleLoggingModel(_Wrapped):
    """Appends the pid of every process that unpickles it to ``log``: how often the model was shipped."""

    def __init__(self, inner: ComplaintClassifier, log: Path) -> None:
        super().__init__(inner)
        self.log = str(log)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")


class UnpicklableModel(_Wrapped):
    """Pickles, but fails to unpickle: what a model whose class a worker cannot import does."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        raise ImportError("No module named 'modul_saya' (stand-in for a class the workers lack)")


class SlowModel(_Wrapped):
    """Takes ``delay`` seconds per partition, so that a worker can be killed while parts are pending."""

    def __init__(self, inner: ComplaintClassifier, delay: float) -> None:
        super().__init__(inner)
        self.delay = delay

    def classify(self, texts: Sequence[str]) -> Any:
        time.sleep(self.delay)
        return self.inner.classify(texts)


class ExplodingModel:
    """Any call to ``classify`` is a bug in a test of laziness (BaseException: not caught per row)."""

    def classify(self, texts: Sequence[str]) -> Any:
        raise SystemExit("classify was called while building the graph")


def _loads(path: str) -> int:
    return _MODEL_CACHE.loads[path]


def _holds_a_shipped_model(dask_worker: Any) -> bool:
    """Run on a worker: does it still hold a model shipped by label_files?"""
    from maladmin_nlp.distributed import _PLUGIN_PREFIX

    return any(name.startswith(_PLUGIN_PREFIX) for name in dask_worker.plugins)


# --------------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Any, Any]]:
    """One LocalCluster (2 worker processes, 1 thread each) for the module, and a client on it."""
    with (
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as lc,
        distributed.Client(lc, set_as_default=False) as client,
    ):
        yield lc, client


@pytest.fixture()
def csv_files(tmp_path: Path, write_csv: Callable[..., Path]) -> list[Path]:
    """Three semicolon CSV files of 10 rows: quotes, a line break in a text, an empty and a blank text."""
    paths = []
    for k in range(3):
        rows = [[f"L{k}-{i:02d}", f"2024-0{k + 1}-{i + 1:02d}", TEXTS[(i + k) % len(TEXTS)]] for i in range(10)]
        paths.append(write_csv(tmp_path / f"laporan_{k}.csv", ["no", "tanggal", "isi_laporan"], rows, delimiter=";"))
    return paths


def _parquet_files(directory: Path, n_files: int, rows_per_file: int) -> list[Path]:
    paths = []
    for k in range(n_files):
        texts: list[str | None] = [TEXTS[(i + k) % len(TEXTS)] for i in range(rows_per_file)]
        texts[1] = None
        table = pa.table(
            {
                "id": pa.array([k * 100 + i for i in range(rows_per_file)], pa.int64()),
                "tanggal": pa.array([dt.date(2024, 3, 1 + i % 28) for i in range(rows_per_file)], pa.date32()),
                "isi": pa.array(texts, pa.string()),
            }
        )
        path = directory / f"arsip_{k}.parquet"
        pq.write_table(table, path)
        paths.append(path)
    return paths


def _rows(path: Path) -> tuple[Any, list[dict[str, Any]]]:
    table = pq.read_table(path)
    return table.schema, table.to_pylist()


def _assert_same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.keys() == w.keys(), i
        for key in w:
            if key == "confidence" and w[key] is not None:
                assert g[key] == pytest.approx(w[key], abs=1e-9), (i, key)
            else:
                assert g[key] == w[key], (i, key, g[key], w[key])


def _reference(inputs: Sequence[Path], model: Any, tmp: Path, suffix: str) -> list[Path]:
    """batch.label_file's output for each input: the single-machine path the cluster must match."""
    out = []
    for path in inputs:
        target = tmp / f"ref_{path.stem}{suffix}"
        label_file(path, target, model=model)
        out.append(target)
    return out


# --------------------------------------------------------------------------- without a cluster
def test_module_imports_without_dask_and_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("isi\nKTP belum jadi\n", encoding="utf-8")
    code = f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("dask", "distributed"):
                    raise ImportError("blocked " + name)
        sys.meta_path.insert(0, Block())
        import maladmin_nlp.distributed as d
        for call in (lambda: d.label_files({str(tmp_path / "a.csv")!r}, {str(tmp_path / "out")!r}),
                     lambda: d.label_dataframe(None, "isi")):
            try:
                call()
            except ImportError as exc:
                print(exc)
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all(INSTALL_HINT in line for line in lines)


def test_label_dataframe_on_the_local_scheduler_matches_label_file(
    csv_files: list[Path], model_path: Path, tmp_path: Path, read_table: Callable[..., Any]
) -> None:
    import pandas as pd

    frames = [pd.read_csv(p, sep=";", dtype=str, keep_default_na=False) for p in csv_files]
    ddf = dd.from_pandas(pd.concat(frames, ignore_index=True), npartitions=4)
    labelled = label_dataframe(ddf, "ISI_LAPORAN", model=model_path)  # matched ignoring case
    assert list(labelled.columns) == ["no", "tanggal", "isi_laporan", *OUTPUT_COLUMNS]
    got = labelled.compute(scheduler="sync")
    want: list[list[Any]] = []
    for ref in _reference(csv_files, model_path, tmp_path, ".csv"):
        want.extend(read_table(ref, delimiter=";")[1])
    assert len(got) == len(want) == 30
    # label_file's CSV cells: no, tanggal, isi_laporan, label, label_name, confidence, needs_review, evidence, error
    for (_, row), ref_row in zip(got.iterrows(), want, strict=True):
        cells = ["" if pd.isna(row[c]) else row[c] for c in ("label", "label_name", "evidence", "error")]
        assert cells == [ref_row[3], ref_row[4], ref_row[7], ref_row[8]]
        assert pd.isna(row["confidence"]) if not ref_row[5] else row["confidence"] == pytest.approx(float(ref_row[5]))
        assert ("" if pd.isna(row["needs_review"]) else str(bool(row["needs_review"])).lower()) == ref_row[6]


def test_label_dataframe_gives_meta_and_does_not_run_the_model() -> None:
    import pandas as pd

    ddf = dd.from_pandas(pd.DataFrame({"label": ["x"], "isi": ["KTP belum jadi"]}), npartitions=1)
    labelled = label_dataframe(ddf, None, model=ExplodingModel())  # guessed column; nothing runs yet
    # the input already has a 'label' column: the new ones are prefixed
    assert list(labelled.columns) == ["label", "isi", *(f"pred_{c}" for c in OUTPUT_COLUMNS)]
    assert str(labelled.dtypes["pred_confidence"]) == "float64"
    assert str(labelled.dtypes["pred_needs_review"]) == "boolean"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"text_column": "uraian"}, ColumnNotFoundError, r"column .uraian. not found in laporan_0.csv \(and 2 more\)"),
        ({"model": "a.joblib", "model_path": "b.joblib"}, InputError, "either model .* or model_path"),
        ({"output_format": "xlsx"}, InputError, "parquet or csv parts, not xlsx"),
        ({"workers": 0}, InputError, "workers must be at least 1; got 0"),
        ({"input_format": "jsonl"}, InputError, "reads CSV/TSV or Parquet, not jsonl"),
        ({"model": object()}, TypeError, "fitted ComplaintClassifier; got object"),
    ],
)
def test_bad_arguments_fail_before_any_cluster_starts(
    csv_files: list[Path], tmp_path: Path, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        label_files(csv_files, tmp_path / "out", **kwargs)


def test_missing_inputs_and_an_occupied_output_are_refused(csv_files: list[Path], tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no input file matches"):
        label_files(str(tmp_path / "tidak_ada_*.csv"), tmp_path / "out")
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-000000.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=r"already holds 1 part files.*overwrite=True"):
        label_files(csv_files, out)


def test_an_unreachable_scheduler_is_reported(csv_files: list[Path], tmp_path: Path) -> None:
    import dask

    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(OSError, match=r"could not connect to the Dask scheduler at tcp://127\.0\.0\.1:9"),
    ):
        label_files(csv_files, tmp_path / "out", scheduler="tcp://127.0.0.1:9")


def test_a_cluster_without_workers_fails_instead_of_waiting_forever(
    csv_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maladmin_nlp import distributed as mod
    from maladmin_nlp.batch import WorkerError

    monkeypatch.setattr(mod, "_WORKER_WAIT_SECONDS", 0.5)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty,
        distributed.Client(empty, set_as_default=False) as client,
    ):
        with pytest.raises(TimeoutError, match=r"fewer than 1 worker\(s\) connected to .* within 0 s"):
            label_files(csv_files, tmp_path / "out", scheduler=empty.scheduler_address)
        # workers all gone mid-run: the run stops with a clear error instead of hanging
        futures = [client.submit(sum, [1, 2])]
        with pytest.raises(WorkerError, match=r"no worker for 0 s .*overwrite=True"):
            mod._collect(client, futures, 0.2, tmp_path / "out", lambda counts: None)


# --------------------------------------------------------------------------- on the cluster
@pytest.mark.parametrize("output_format", ["parquet", "csv"])
def test_csv_files_give_the_rows_of_label_file(
    cluster: tuple[Any, Any], csv_files: list[Path], model_path: Path, tmp_path: Path, output_format: str
) -> None:
    lc, client = cluster
    private_model = tmp_path / "model" / "tiny.joblib"  # its own path, so the load count is this test's
    private_model.parent.mkdir()
    for src in (model_path, model_path.with_name("tiny.card.json"), model_path.with_name("tiny.compact.npz")):
        (private_model.parent / src.name).write_bytes(src.read_bytes())
    seen: list[Progress] = []
    summary = label_files(
        str(tmp_path / "laporan_*.csv"),
        tmp_path / "hasil",
        model_path=private_model,
        scheduler=lc.scheduler_address,
        output_format=output_format,
        progress=seen.append,
    )
    assert summary.parts == [f"part-{i:06d}.{output_format}" for i in range(3)]
    assert sorted(p.name for p in (tmp_path / "hasil").iterdir()) == summary.parts  # no temporary file left
    assert (summary.rows, summary.unlabelled, summary.delimiter) == (30, 6, ";")
    assert summary.error_examples[0] == {"part": f"part-000000.{output_format}", "row": 7, "error": "empty text"}
    assert [p.fraction for p in seen][-1] == 1.0 and seen[-1].rows == 30

    refs = _reference(csv_files, private_model, tmp_path, f".{output_format}")
    for part, ref in zip(summary.parts, refs, strict=True):
        if output_format == "csv":  # byte for byte what label_file writes, delimiter included
            assert (tmp_path / "hasil" / part).read_bytes() == ref.read_bytes()
        else:
            got_schema, got = _rows(tmp_path / "hasil" / part)
            want_schema, want = _rows(ref)
            assert got_schema.equals(want_schema)
            _assert_same_rows(got, want)

    # three partitions, two workers: the model file was loaded at most once per worker process
    loads = client.run(_loads, str(private_model))
    assert set(loads.values()) <= {0, 1} and sum(loads.values()) >= 1


def test_parquet_files_with_a_model_object_shipped_once_per_worker(
    cluster: tuple[Any, Any], model: ComplaintClassifier, tmp_path: Path
) -> None:
    lc, client = cluster
    inputs = _parquet_files(tmp_path, n_files=6, rows_per_file=8)
    log = tmp_path / "unpickled.txt"
    summary = label_files(
        [str(p) for p in inputs],
        tmp_path / "hasil",
        model=UnpickleLoggingModel(model, log),
        scheduler=client,  # a connected client (as from dask-gateway) is used as it is, and left open
    )
    assert len(summary.parts) == 6 and summary.rows == 48 and summary.cluster == lc.scheduler_address
    assert client.status == "running"

    unlabelled = 0
    for part, ref in zip(summary.parts, _reference(inputs, model, tmp_path, ".parquet"), strict=True):
        got_schema, got = _rows(tmp_path / "hasil" / part)
        want_schema, want = _rows(ref)
        assert got_schema.equals(want_schema)  # int64 and date32 input columns keep their types
        _assert_same_rows(got, want)
        unlabelled += sum(1 for row in want if row["label"] is None)
    assert summary.unlabelled == unlabelled == 16  # None, empty and blank texts

    worker_pids = set(client.run(os.getpid).values())
    unpickled = [int(pid) for pid in log.read_text().split()]
    unpickled_on_workers = sorted(pid for pid in unpickled if pid in worker_pids)
    # six partitions, two workers: each worker process unpickled the model exactly once. (A scattered
    # future did not promise this: Dask's active memory manager drops a copy no queued task needs, and
    # the worker fetched and unpickled it again for its next partition.)
    assert unpickled_on_workers == sorted(worker_pids), (unpickled, worker_pids, os.getpid())
    # and the workers no longer hold it once the call has returned
    assert not any(client.run(_holds_a_shipped_model).values())


def test_a_model_the_workers_cannot_unpickle_fails_before_any_part_and_is_removed(
    cluster: tuple[Any, Any], model: ComplaintClassifier, tmp_path: Path
) -> None:
    _, client = cluster
    inputs = _parquet_files(tmp_path, n_files=2, rows_per_file=3)
    with pytest.raises(
        WorkerError, match=r"could not load the model object .*modul_saya.*UnpicklableModel.*model_path="
    ):
        label_files([str(p) for p in inputs], tmp_path / "hasil", model=UnpicklableModel(model), scheduler=client)
    assert list((tmp_path / "hasil").iterdir()) == []
    assert not any(client.run(_holds_a_shipped_model).values())
    assert client.status == "running"


def test_label_dataframe_scatters_a_model_object_on_a_running_client(
    cluster: tuple[Any, Any], model: ComplaintClassifier, tmp_path: Path
) -> None:
    _, client = cluster
    inputs = _parquet_files(tmp_path, n_files=3, rows_per_file=8)
    ddf = dd.read_parquet([str(p) for p in inputs])
    labelled = label_dataframe(ddf, "isi", model=model, client=client)
    frame = client.compute(labelled).result()
    keep = ["id", *OUTPUT_COLUMNS]
    got = [
        {k: (None if v is None or v != v or str(v) == "<NA>" else v) for k, v in row.items()}
        for row in frame[keep].astype(object).to_dict("records")
    ]
    refs = _reference(inputs, model, tmp_path, ".parquet")
    want = [{k: row[k] for k in keep} for ref in refs for row in _rows(ref)[1]]
    _assert_same_rows(got, want)
    assert sum(row["label"] is None for row in got) == 8  # a None in each file, and the empty and blank texts


def test_a_worker_killed_mid_run_loses_no_row_and_duplicates_none(
    cluster: tuple[Any, Any], model: ComplaintClassifier, tmp_path: Path, write_csv: Callable[..., Path]
) -> None:
    lc, client = cluster
    ids = [f"R{i:03d}" for i in range(60)]
    source = write_csv(tmp_path / "besar.csv", ["id", "isi"], [[r, TEXTS[i % 4]] for i, r in enumerate(ids)])
    out = tmp_path / "hasil"
    pids_before = client.run(os.getpid)
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(
            label_files,
            source,
            out,
            model=SlowModel(model, delay=0.3),
            scheduler=lc.scheduler_address,
            blocksize=250,  # a dozen small partitions (no text here spans lines)
        )
        deadline = time.monotonic() + 90
        while len(list(out.glob("part-*.parquet"))) < 2 and not job.done() and time.monotonic() < deadline:
            time.sleep(0.05)
        done_at_kill = len(list(out.glob("part-*.parquet")))
        victim = sorted(pids_before.values())[0]
        os.kill(victim, signal.SIGKILL)  # a worker process of the cluster this module started
        summary = job.result(timeout=120)
    n_parts = len(summary.parts)
    assert n_parts >= 10 and 2 <= done_at_kill < n_parts  # it really was mid-run

    table = pa.concat_tables([pq.read_table(out / p) for p in summary.parts])
    assert table.column("id").to_pylist() == ids  # every row, once, in input order
    assert set(table.column("label").to_pylist()) <= {str(c) for c in model.classes_}
    assert sorted(p.name for p in out.iterdir()) == summary.parts  # no half-written or temporary file
    ref = _reference([source], model, tmp_path, ".parquet")[0]
    _assert_same_rows(table.to_pylist(), _rows(ref)[1])


def test_the_cli_labels_with_engine_dask(
    cluster: tuple[Any, Any],
    csv_files: list[Path],
    model_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from maladmin_nlp import cli

    parser: Any = cli.build_parser()
    if "--engine" not in parser._subparsers._group_actions[0].choices["label"].format_help():
        pytest.skip("the 'label --engine dask' option is not in cli.py yet")
    lc, _ = cluster
    pattern, out, first = str(tmp_path / "laporan_*.csv"), str(tmp_path / "hasil"), str(csv_files[0])
    args = ["label", pattern, "-o", out, "--engine", "dask", "--model", str(model_path), "--format", "csv"]
    code = cli.main([*args, "--scheduler", lc.scheduler_address, "--summary", str(tmp_path / "s.json")])
    assert code == 0, capsys.readouterr().err
    assert "labelled 30 rows of 3 files -> hasil (3 parts)" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "hasil").iterdir()) == [f"part-00000{i}.csv" for i in range(3)]
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["rows"] == 30
    for bad in (
        [*args, "--scheduler", lc.scheduler_address],  # parts of the earlier run are in the way
        [*args, "--scheduler", lc.scheduler_address, "--resume", "--overwrite"],
        ["label", first, "-o", str(tmp_path / "x.csv"), "--workers", "2"],  # needs --engine dask
        ["label", pattern, "-o", str(tmp_path / "x.csv")],  # a pattern needs --engine dask
        [*args, "--scheduler", lc.scheduler_address, "--workers", "2"],  # one or the other
    ):
        assert cli.main(bad) == 2, bad
    err = capsys.readouterr().err
    assert "--overwrite" in err and "--resume only apply with --engine local" in err
    assert "--workers only apply with --engine dask" in err and "not allowed with argument" in err


@pytest.mark.parametrize("good_rows", [1, 6000])  # found in dask's sample on the client / only on a worker
def test_a_ragged_csv_row_is_reported_with_the_fix(cluster: tuple[Any, Any], tmp_path: Path, good_rows: int) -> None:
    lc, _ = cluster
    rows = "".join(f"{i},KTP saya belum jadi sudah {i} bulan menunggu\n" for i in range(good_rows))
    (tmp_path / "rusak.csv").write_text(f"no,isi\n{rows}x,uang rokok, 50 ribu\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"Expected 2 fields in line \d+, saw 3.*unquoted delimiter.*label_file"):
        label_files(tmp_path / "rusak.csv", tmp_path / "out", scheduler=lc.scheduler_address)


def test_without_a_scheduler_a_local_cluster_is_started_and_stopped(
    csv_files: list[Path], model_path: Path, tmp_path: Path
) -> None:
    summary = label_files(csv_files[:1], tmp_path / "hasil", model_path=model_path, workers=1, output_format="csv")
    assert isinstance(summary, DistributedSummary)
    assert summary.cluster == "a local cluster of 1 worker process"
    assert summary.rows == 10 and summary.parts == ["part-000000.csv"]
    ref = _reference(csv_files[:1], model_path, tmp_path, ".csv")[0]
    assert (tmp_path / "hasil" / "part-000000.csv").read_bytes() == ref.read_bytes()
    assert "labelled 10 rows of laporan_0.csv -> hasil (1 parts)" in summary.to_text()


def test_summary_counts_truncated_rows() -> None:
    summary = DistributedSummary(
        inputs=["a.csv"], output_dir="out", input_format="csv", output_format="parquet", text_column="t", cluster="x"
    )
    summary._add(
        {"rows": 3, "labels": {"tidak_patut": 3}, "needs_review": 0, "errors": 1, "unlabelled": 0, "truncated": 1}
    )
    assert summary.to_dict()["truncated"] == 1
    assert "texts too long, labelled from their start: 1" in summary.to_text()


def test_part_counts_find_truncated_rows() -> None:
    pa = pytest.importorskip("pyarrow")
    from maladmin_nlp.distributed import _part_counts

    names = ["label", "label_name", "confidence", "needs_review", "evidence", "error"]
    table = pa.table(
        {
            "label": ["tidak_patut", "", "berpihak"],
            "label_name": ["Tidak Patut", "", "Berpihak"],
            "confidence": [0.9, None, 0.8],
            "needs_review": [False, False, True],
            "evidence": ["x", "", "y"],
            "error": [None, "empty text", "text too long: the model read only its first 20,000 of 30,000 characters"],
        }
    )
    counts = _part_counts(table, names, "part-000000.csv")
    assert counts["truncated"] == 1 and counts["errors"] == 2 and counts["unlabelled"] == 1
