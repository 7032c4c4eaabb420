"""label_file / redact_file / train_file / evaluate_file, called in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from maladmin_nlp import ComplaintClassifier
from maladmin_nlp.batch import (
    OUTPUT_COLUMNS,
    Progress,
    WorkerError,
    evaluate_file,
    format_evidence,
    label_file,
    redact_file,
    state_path,
    train_file,
)
from maladmin_nlp.io import ColumnNotFoundError, InputError, ResumeError, partial_path
from maladmin_nlp.persistence import read_card


class _Wrapped:
    """A model stand-in that delegates to a real model (picklable, so it can go to workers)."""

    def __init__(self, inner: ComplaintClassifier) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


class InterruptingModel(_Wrapped):
    """Labels ``calls`` chunks, then raises KeyboardInterrupt, as Ctrl-C would."""

    def __init__(self, inner: ComplaintClassifier, calls: int) -> None:
        super().__init__(inner)
        self.calls = calls

    def classify(self, texts: Sequence[str]) -> Any:
        self.calls -= 1
        if self.calls < 0:
            raise KeyboardInterrupt
        return self.inner.classify(texts)


class FlakyModel(_Wrapped):
    """Fails on any batch that contains the word RUSAK."""

    def classify(self, texts: Sequence[str]) -> Any:
        if any("RUSAK" in t for t in texts):
            raise RuntimeError("model exploded")
        return self.inner.classify(texts)


class DyingModel(_Wrapped):
    """Kills the worker process that labels a text containing MATI (as the OOM killer would)."""

    def classify(self, texts: Sequence[str]) -> Any:
        if any("MATI" in t for t in texts):
            os._exit(9)
        return self.inner.classify(texts)


@pytest.fixture()
def archive(tmp_path: Path, write_csv: Callable[..., Path], complaints: list[str]) -> Path:
    """40 rows: varied texts, one empty, one blank, one ragged with an unquoted comma."""
    rows = [
        [str(i + 1), f"2024-02-{i % 28 + 1:02d}", complaints[i % len(complaints)], "Dinas"] for i in range(40)
    ]
    rows[4][2] = ""
    rows[9][2] = "   "
    path = write_csv(tmp_path / "laporan.csv", ["no", "tanggal", "isi_laporan", "instansi"], rows)
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write("41,2024-03-01,Petugas minta uang, katanya biaya admin,Kelurahan\r\n")
    return path


def test_label_file_keeps_every_row(
    archive: Path, tmp_path: Path, model: ComplaintClassifier, read_table: Callable[..., Any]
) -> None:
    seen: list[Progress] = []
    summary = label_file(archive, tmp_path / "hasil.csv", model=model, chunk_size=7, progress=seen.append)
    header, rows = read_table(tmp_path / "hasil.csv")
    in_header, in_rows = read_table(archive)
    assert header == [*in_header, *OUTPUT_COLUMNS]
    assert len(rows) == 41 == summary.rows
    assert [r[:4] for r in rows[:40]] == in_rows[:40]  # input columns unchanged, in order
    by_no = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_no["5"]["label"] == "" and by_no["5"]["error"] == "empty text"
    assert by_no["10"]["label"] == "" and by_no["10"]["error"] == "empty text"
    ragged = by_no["41"]
    assert ragged["isi_laporan"] == "Petugas minta uang, katanya biaya admin"
    assert ragged["instansi"] == "Kelurahan" and ragged["label"] == "permintaan_imbalan"
    assert "joined into 'isi_laporan'" in ragged["error"]
    labelled = [r for r in by_no.values() if r["label"]]
    assert all(r["label_name"] and 0 < float(r["confidence"]) <= 1 for r in labelled)
    assert all(r["needs_review"] in ("true", "false") for r in labelled)
    assert all(r["evidence"].count("(") >= 1 for r in labelled)
    assert summary.unlabelled == 2 and summary.errors == 3
    assert sum(summary.labels.values()) == 39
    assert [p.rows for p in seen] == [7, 14, 21, 28, 35, 41]
    assert (
        not partial_path(tmp_path / "hasil.csv").exists() and not state_path(tmp_path / "hasil.csv").exists()
    )


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "xlsx", "parquet"])
def test_output_formats_hold_the_same_rows(
    archive: Path, tmp_path: Path, model: ComplaintClassifier, read_table: Callable[..., Any], fmt: str
) -> None:
    label_file(archive, tmp_path / "ref.csv", model=model)
    label_file(archive, tmp_path / f"hasil.{fmt}", model=model)
    ref_header, ref = read_table(tmp_path / "ref.csv")
    header, rows = read_table(tmp_path / f"hasil.{fmt}")
    assert header == ref_header

    def norm(v: Any) -> str:
        return "" if v is None else ("true" if v is True else "false" if v is False else str(v))

    assert [[norm(v) for v in r] for r in rows] == [[norm(v) for v in r] for r in ref]


def test_parquet_round_trip_keeps_types(tmp_path: Path, model: ComplaintClassifier) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime as dt

    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "diterima": [dt.datetime(2024, 1, d) for d in (1, 2, 3)],
            "teks": ["KTP belum jadi 4 bulan", None, "diminta uang rokok 50rb"],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=2)
    summary = label_file(tmp_path / "in.parquet", tmp_path / "out.parquet", model=model, chunk_size=2)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema.field("id").type == pa.int64()
    assert out.schema.field("diterima").type == table.schema.field("diterima").type
    assert out.column("diterima").to_pylist() == table.column("diterima").to_pylist()
    assert out.column("label").to_pylist()[1] is None
    assert summary.rows == 3 and summary.unlabelled == 1


def test_input_columns_named_like_outputs_are_kept(
    tmp_path: Path, model: ComplaintClassifier, read_table: Callable[..., Any]
) -> None:
    path = tmp_path / "berlabel.csv"
    path.write_text("isi,label\nKTP belum jadi,penundaan_berlarut\n", encoding="utf-8")
    label_file(path, tmp_path / "hasil.csv", model=model)
    header, rows = read_table(tmp_path / "hasil.csv")
    assert header[:3] == ["isi", "label", "pred_label"]
    assert rows[0][1] == "penundaan_berlarut"


def test_missing_text_column(archive: Path, tmp_path: Path, model: ComplaintClassifier) -> None:
    with pytest.raises(ColumnNotFoundError, match=r"column 'uraian' not found in laporan\.csv"):
        label_file(archive, tmp_path / "hasil.csv", model=model, text_column="uraian")
    assert not partial_path(tmp_path / "hasil.csv").exists()


def test_a_failing_text_does_not_stop_the_run(tmp_path: Path, model: ComplaintClassifier) -> None:
    path = tmp_path / "a.csv"
    path.write_text("isi\nKTP belum jadi\nteks RUSAK\nminta uang rokok\n", encoding="utf-8")
    summary = label_file(path, tmp_path / "b.jsonl", model=FlakyModel(model))
    records = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["label"] is not None for r in records] == [True, False, True]
    assert records[1]["error"] == "could not be labelled: RuntimeError: model exploded"
    assert summary.errors == 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet"])
def test_interrupted_run_resumes_without_loss_or_duplicates(
    archive: Path, tmp_path: Path, model_path: Path, model: ComplaintClassifier, fmt: str
) -> None:
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"hasil.{fmt}"
    label_file(archive, tmp_path / f"ref.{fmt}", model=model_path, chunk_size=6)
    with pytest.raises(KeyboardInterrupt):
        label_file(archive, out, model=InterruptingModel(model, calls=3), chunk_size=6)
    assert not out.exists()
    state = json.loads(state_path(out).read_text(encoding="utf-8"))
    assert state["rows_done"] == 18 and partial_path(out).exists()

    with pytest.raises(ResumeError, match=r"holds 18 rows of an interrupted run .* \(--resume\)"):
        label_file(archive, out, model=model_path, chunk_size=6)
    summary = label_file(archive, out, model=model_path, chunk_size=10, resume=True)
    assert summary.resumed_from == 18 and summary.rows == 41 and summary.rows_this_run == 23
    if fmt in ("csv", "jsonl"):
        assert out.read_bytes() == (tmp_path / f"ref.{fmt}").read_bytes()
    else:
        label_file(
            tmp_path / f"ref.{fmt}", tmp_path / "ref_again.csv", model=model_path, text_column="isi_laporan"
        )
        label_file(out, tmp_path / "out_again.csv", model=model_path, text_column="isi_laporan")
        assert (tmp_path / "out_again.csv").read_bytes() == (tmp_path / "ref_again.csv").read_bytes()
    assert not state_path(out).exists() and not partial_path(out).exists()


def test_resume_refuses_a_changed_input(archive: Path, tmp_path: Path, model: ComplaintClassifier) -> None:
    out = tmp_path / "hasil.csv"
    with pytest.raises(KeyboardInterrupt):
        label_file(archive, out, model=InterruptingModel(model, calls=1), chunk_size=5)
    with pytest.raises(ResumeError, match=r"options differ .*text_columns"):
        label_file(archive, out, model=model, resume=True, text_column="instansi")
    with open(archive, "a", encoding="utf-8") as fh:
        fh.write("99,2024-03-02,baris baru,Dinas\r\n")
    with pytest.raises(ResumeError, match=r"laporan\.csv changed since the interrupted run"):
        label_file(archive, out, model=model, resume=True)
    summary = label_file(archive, out, model=model, restart=True)
    assert summary.rows == 42 and summary.resumed_from == 0


def test_resume_with_nothing_to_resume_starts_from_the_top(
    archive: Path, tmp_path: Path, model: ComplaintClassifier
) -> None:
    assert label_file(archive, tmp_path / "hasil.csv", model=model, resume=True).rows == 41


def test_parallel_run_equals_serial_and_a_dead_worker_fails_loudly(
    archive: Path, tmp_path: Path, model_path: Path, model: ComplaintClassifier
) -> None:
    text = archive.read_text(encoding="utf-8").replace("Terima kasih", "MATI kasih", 1)
    dying = tmp_path / "dying.csv"
    dying.write_text(text, encoding="utf-8")
    out = tmp_path / "hasil.csv"
    with pytest.raises(WorkerError, match=r"a worker process died .* resume the run \(--resume\)"):
        label_file(dying, out, model=DyingModel(model), jobs=2, chunk_size=2)
    state = json.loads(state_path(out).read_text(encoding="utf-8"))
    assert state["rows_done"] < 41 and not out.exists()
    label_file(dying, out, model=model_path, resume=True, jobs=1, chunk_size=2)
    label_file(dying, tmp_path / "ref.csv", model=model_path)
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()


def test_label_file_in_two_processes_equals_one(
    tmp_path: Path, write_csv: Callable[..., Path], complaints: list[str], model_path: Path
) -> None:
    """A chunk of 260 rows and one of 40, on two workers: the output is byte for byte that of one process."""
    rows = [[str(i), f"{complaints[i % len(complaints)]} nomor {i}"] for i in range(300)]
    rows[7][1] = ""
    path = write_csv(tmp_path / "laporan.csv", ["no", "isi_laporan"], rows)
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"hasil{jobs}.csv"
        summary = label_file(path, out, model=model_path, jobs=jobs, chunk_size=260)
        assert summary.rows == 300 and summary.unlabelled == 1
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_redact_file(tmp_path: Path, read_table: Callable[..., Any]) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "no;isi_laporan;kontak;catatan\n"
        "1;Hubungi saya di 0812-3456-7890;budi.s@contoh.co.id;0812-3456-7890\n"
        "2;Tidak ada data pribadi;;x\n"
        "3;;;\n",
        encoding="utf-8",
    )
    summary = redact_file(path, tmp_path / "b.csv", text_column=["isi_laporan", "kontak"], chunk_size=2)
    header, rows = read_table(tmp_path / "b.csv", delimiter=";")
    assert header == ["no", "isi_laporan", "kontak", "catatan"]
    assert rows == [
        ["1", "Hubungi saya di [TELEPON]", "[EMAIL]", "0812-3456-7890"],  # other columns unchanged
        ["2", "Tidak ada data pribadi", "", "x"],
        ["3", "", "", ""],
    ]
    assert summary.redacted == 1 and summary.rows == 3


@pytest.mark.parametrize("chunk_size", [1, 3, 5])
def test_redact_file_in_two_processes_equals_one(tmp_path: Path, chunk_size: int) -> None:
    """Whole chunks go to the workers; each row's three cells are redacted and regrouped together."""
    rows = [
        f"{i};Hubungi {i} di 0812-3456-{7000 + i};warga{i}@contoh.co.id;NIK 35780{i:011d}"
        if i % 4 else f"{i};;tidak ada;"
        for i in range(13)
    ]
    path = tmp_path / "a.csv"
    path.write_text("no;isi;kontak;nik\n" + "\n".join(rows) + "\n", encoding="utf-8")
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"b{jobs}.csv"
        summary = redact_file(path, out, text_column=["isi", "kontak", "nik"], jobs=jobs, chunk_size=chunk_size)
        assert summary.rows == 13 and summary.redacted == 9
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b"[TELEPON]" in outputs[0] and b"[EMAIL]" in outputs[0] and b"[NIK]" in outputs[0]


def test_train_and_evaluate_file(
    tmp_path: Path, write_csv: Callable[..., Path], training_rows: list[tuple[str, str]]
) -> None:
    data = write_csv(tmp_path / "latih.csv", ["teks", "label"], training_rows)
    path, report = train_file(data, tmp_path / "m" / "saya.joblib", cv=2, calibration=None)
    card = read_card(path)
    assert card["training_data"]["n_samples"] == 40
    assert card["training_data"]["source"] == str(data)
    assert card["metrics"]["cross_validation"]["folds"] == 2
    assert report is not None and 0 <= report.macro_f1 <= 1
    assert evaluate_file(path, data).accuracy > 0.9


def test_train_file_rejects_bad_rows_by_number(tmp_path: Path, write_csv: Callable[..., Path]) -> None:
    data = write_csv(
        tmp_path / "latih.csv",
        ["teks", "label"],
        [["KTP belum jadi", "penundaan_berlarut"], ["", "tidak_patut"], ["pungli", "pungli"]],
    )
    with pytest.raises(ValueError, match=r"row 2: empty text; row 3: unknown label 'pungli'"):
        train_file(data, tmp_path / "m.joblib")


def test_train_file_needs_enough_examples_per_fold(
    tmp_path: Path, write_csv: Callable[..., Path], training_rows: list[tuple[str, str]]
) -> None:
    data = write_csv(tmp_path / "latih.csv", ["teks", "label"], training_rows[:12])
    with pytest.raises(ValueError, match=r"label 'permintaan_imbalan' has only 2 example\(s\).*--cv 0"):
        train_file(data, tmp_path / "m.joblib", cv=5)


def test_format_evidence_and_progress() -> None:
    assert format_evidence([("a", 0.4213), ("b", 0.0476), ("c", 1.5)], top=2) == "a (0.42); b (0.048)"
    progress = Progress(rows=150, rows_this_run=100, elapsed=10, fraction=0.6, start_fraction=0.2)
    assert progress.rows_per_second == 10
    assert progress.eta_seconds == pytest.approx(10.0)


def test_undecodable_text_is_kept_unlabelled(tmp_path: Path, model: ComplaintClassifier) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("no,isi\n1,kantin café tutup terus\n2,KTP belum jadi\n".encode("cp1252"))
    summary = label_file(path, tmp_path / "b.jsonl", model=model, encoding="utf-8")
    first, second = (json.loads(x) for x in (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines())
    assert first["isi"] == "kantin caf\ufffd tutup terus" and first["label"] is None
    assert "not valid in utf-8" in first["error"] and "could not be decoded" in first["error"]
    assert second["label"] and second["error"] is None
    assert summary.unlabelled == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"jobs": -1}, "jobs must be 0"),
        ({"chunk_size": 0}, "chunk size must be at least 1"),
        ({"output_format": "docx"}, "unknown format 'docx'"),
    ],
)
def test_bad_arguments_are_refused_before_loading_a_model(
    archive: Path, tmp_path: Path, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        label_file(archive, tmp_path / "hasil.csv", model=tmp_path / "no_model_here.joblib", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"progress": False}, "progress must be a function that takes a Progress, or None"),
        ({"progress": "bar"}, "progress must be a function"),
        ({"jobs": 2.0}, r"jobs must be an int; got 2\.0 \(float\)"),
        ({"jobs": True}, "jobs must be an int"),
        ({"chunk_size": "500"}, "chunk_size must be an int"),
    ],
)
@pytest.mark.parametrize("operation", ["label", "redact"])
def test_arguments_of_the_wrong_type_are_refused_before_any_work(
    archive: Path, tmp_path: Path, kwargs: dict[str, Any], match: str, operation: str
) -> None:
    # progress=False used to fail after the first chunk, leaving a partial output that the next run
    # refused to overwrite without --resume or --restart
    out = tmp_path / "hasil.csv"
    with pytest.raises(TypeError, match=match):
        if operation == "label":
            label_file(archive, out, model=tmp_path / "no_model_here.joblib", **kwargs)
        else:
            redact_file(archive, out, **kwargs)
    assert not out.exists() and not partial_path(out).exists()
