"""The maladmin-nlp command: the real command in subprocesses, and main() in-process for the rest."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maladmin_nlp import batch, cli
from maladmin_nlp.batch import OUTPUT_COLUMNS, Progress, state_path
from maladmin_nlp.cli import main
from maladmin_nlp.io import partial_path

HEADER = ["no", "tanggal", "isi_laporan"]


def _rows(complaints: list[str]) -> list[list[str]]:
    rows = [[str(i + 1), f"2024-01-{i + 1:02d}", text] for i, text in enumerate(complaints)]
    rows.append([str(len(rows) + 1), "2024-01-20", ""])  # an empty complaint
    return rows


# --------------------------------------------------------------------------- archives
@pytest.fixture(scope="module")
def files(
    tmp_path_factory: pytest.TempPathFactory, write_csv: Callable[..., Path], complaints: list[str]
) -> dict[str, dict[str, Any]]:
    """Input archives in every supported shape, with the rows each must give back unchanged."""
    d = tmp_path_factory.mktemp("arsip")
    rows = _rows(complaints)
    cases: dict[str, dict[str, Any]] = {}

    def case(
        name: str, path: Path, out: str, expected: list[list[str]], delimiter: str = ",", **kw: Any
    ) -> None:
        cases[name] = {"input": path, "output": d / out, "rows": expected, "delimiter": delimiter, **kw}

    case("utf-8", write_csv(d / "utf8.csv", HEADER, rows), "utf8_out.csv", rows)
    case("utf-8-bom", write_csv(d / "bom.csv", HEADER, rows, encoding="utf-8-sig"), "bom_out.csv", rows)
    ansi = write_csv(d / "ansi.csv", ["No", "Tanggal", "Isi Laporan"], rows, encoding="cp1252")
    with open(ansi, "a", encoding="cp1252", newline="") as fh:  # ragged rows
        fh.write("10,2024-01-21\r\n11,2024-01-22,Petugas minta uang, katanya ’biaya admin’\r\n")
    ragged = [["10", "2024-01-21", ""], ["11", "2024-01-22", "Petugas minta uang, katanya ’biaya admin’"]]
    case(
        "cp1252-ragged",
        ansi,
        "ansi_out.csv",
        rows + ragged,
        header=["No", "Tanggal", "Isi Laporan"],
        errors=3,
    )
    multi = [[r[0], r[1], r[2].replace(", ", ",\nlalu ", 1)] for r in rows]
    semi = write_csv(d / "titikkoma.csv", HEADER, multi, delimiter=";")
    case("semicolon-multiline", semi, "titikkoma_out.csv", multi, delimiter=";")
    case("tsv-to-jsonl", write_csv(d / "tab.tsv", HEADER, rows, delimiter="\t"), "tab_out.jsonl", rows)
    try:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.append(HEADER)
        for r in rows:
            wb.active.append(r)
        wb.save(d / "arsip.xlsx")
        case("xlsx", d / "arsip.xlsx", "arsip_out.xlsx", rows)
    except ImportError:
        pass
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: [r[i] for r in rows] for i, k in enumerate(HEADER)}), d / "arsip.parquet")
        case("parquet", d / "arsip.parquet", "arsip_out.parquet", rows)
    except ImportError:
        pass
    return cases


CASES = ["utf-8", "utf-8-bom", "cp1252-ragged", "semicolon-multiline", "tsv-to-jsonl", "xlsx", "parquet"]


def _check_output(c: dict[str, Any], read_table: Callable[..., Any], summary_file: Path) -> None:
    header, out = read_table(c["output"], delimiter=c["delimiter"])
    assert header == [*c.get("header", HEADER), *OUTPUT_COLUMNS]
    n = len(c["rows"])
    assert len(out) == n  # every input row, exactly once
    assert [[("" if v is None else str(v)) for v in r[:3]] for r in out] == c["rows"]  # unchanged, in order
    for expected, row in zip(c["rows"], out, strict=True):
        result = dict(zip(OUTPUT_COLUMNS, row[3:], strict=True))
        if expected[2]:
            assert result["label"], row
        else:
            assert not result["label"] and "empty text" in result["error"]
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["rows"] == n and summary["unlabelled"] == sum(1 for r in c["rows"] if not r[2])
    assert summary["errors"] == c.get("errors", 1)
    assert not partial_path(c["output"]).exists() and not state_path(c["output"]).exists()


@pytest.mark.parametrize("name", CASES)
def test_label_archive_variants(
    name: str,
    files: dict[str, Any],
    model_path: Path,
    read_table: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if name not in files:
        pytest.skip(f"{name}: optional dependency (openpyxl / pyarrow) not installed")
    c = files[name]
    summary = c["output"].with_suffix(".json")
    argv = [
        "label",
        str(c["input"]),
        "-o",
        str(c["output"]),
        "--model",
        str(model_path),
        "--summary",
        str(summary),
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"labelled {len(c['rows'])} rows" in err and "(guessed" in err
    _check_output(c, read_table, summary)


# --------------------------------------------------------------------------- the real command
@pytest.fixture(scope="module")
def runs(
    files: dict[str, Any], model_path: Path, start_cli: Callable[..., subprocess.Popen[str]]
) -> dict[str, tuple[int, str, str]]:
    """The real command in subprocesses, started together (each pays the scikit-learn import once)."""
    c = files["cp1252-ragged"]
    out = c["output"].with_name("ansi_subprocess.csv")
    procs = {
        "label": start_cli(
            "label", c["input"], "-o", out, "--model", model_path, "--summary", out.with_suffix(".json")
        ),
        "missing-column": start_cli(
            "label", c["input"], "-o", out.with_name("x.csv"), "--text-column", "isi", "--model", model_path
        ),
        "classify-json": start_cli(
            "classify", "Petugas minta uang 200rb biar cepat", "--json", "--model", model_path, script=True
        ),
    }
    done = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        done[name] = (proc.returncode, stdout, stderr)
    return done


def test_label_real_command(
    runs: dict[str, Any], files: dict[str, Any], read_table: Callable[..., Any]
) -> None:
    code, out, err = runs["label"]
    assert code == 0, err
    c = dict(files["cp1252-ragged"])
    c["output"] = c["output"].with_name("ansi_subprocess.csv")
    _check_output(c, read_table, c["output"].with_suffix(".json"))
    summary = json.loads(c["output"].with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["encoding"] == "cp1252" and summary["text_columns"] == ["Isi Laporan"]
    assert "maladmin-nlp: using column 'Isi Laporan' of ansi.csv as the complaint text (guessed" in err
    assert "labelled 11 rows of ansi.csv -> ansi_subprocess.csv" in err and out == ""


def test_missing_column_is_a_usage_error(runs: dict[str, Any]) -> None:
    code, out, err = runs["missing-column"]
    assert code == 2
    assert err.strip() == (
        "maladmin-nlp: error: column 'isi' not found in ansi.csv; columns are: No, Tanggal, Isi Laporan "
        "— pass --text-column"
    )
    assert "Traceback" not in err and out == ""


def test_classify_json_parses(runs: dict[str, Any]) -> None:
    code, out, err = runs["classify-json"]
    assert code == 0, err
    prediction = json.loads(out)
    assert prediction["label"] == "permintaan_imbalan"
    assert set(prediction) >= {"label", "label_name", "confidence", "needs_review", "scores", "evidence"}


def test_jobs_2_equals_jobs_1(
    tmp_path: Path, model_path: Path, write_csv: Callable[..., Path], complaints: list[str]
) -> None:
    data = write_csv(
        tmp_path / "besar.csv", HEADER, [[str(i), "2024", complaints[i % 8]] for i in range(150)]
    )
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"hasil_{jobs}.csv"
        argv = [
            "label",
            str(data),
            "-o",
            str(out),
            "--jobs",
            jobs,
            "--chunk-size",
            "7",
            "--model",
            str(model_path),
        ]
        assert main([*argv, "-q"]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_killed_run_resumes_exactly(
    tmp_path: Path,
    model_path: Path,
    start_cli: Callable[..., subprocess.Popen[str]],
    write_csv: Callable[..., Path],
    complaints: list[str],
) -> None:
    rows = [[str(i), f"2024-{i % 12 + 1:02d}-01", complaints[i % 8] if i % 97 else ""] for i in range(4000)]
    data = write_csv(tmp_path / "arsip.csv", HEADER, rows)
    out = tmp_path / "hasil.csv"
    proc = start_cli("label", data, "-o", out, "--model", model_path, "--chunk-size", "25", "-q")
    state = state_path(out)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = json.loads(state.read_text(encoding="utf-8"))["rows_done"]
        except (OSError, ValueError, KeyError):
            done = 0
        if done >= 250:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert 250 <= done < 4000, "the run ended before it could be killed"
    assert not out.exists() and partial_path(out).exists()

    reference = tmp_path / "referensi.csv"
    assert main(["label", str(data), "-o", str(reference), "--model", str(model_path), "-q"]) == 0
    summary = tmp_path / "ringkasan.json"
    code = main(
        [
            "label",
            str(data),
            "-o",
            str(out),
            "--model",
            str(model_path),
            "--resume",
            "-q",
            "--summary",
            str(summary),
        ]
    )
    assert code == 0
    assert out.read_bytes() == reference.read_bytes()  # no row lost or duplicated
    result = json.loads(summary.read_text(encoding="utf-8"))
    assert result["rows"] == 4000 and result["resumed_from"] >= done and result["unlabelled"] == 42
    assert not partial_path(out).exists() and not state.exists()


# --------------------------------------------------------------------------- in-process
COMMANDS = ["label", "redact", "train", "evaluate", "classify", "info"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "example" in out and f"maladmin-nlp {command} " in out.split("example")[1]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err
    assert main(["--version"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["label", "nope.csv", "-o", "x.csv"], "file not found: nope.csv"),
        (["label", "{data}", "-o", "x.csv", "--jobs", "-1"], "must be at least 0"),
        (["label", "{data}", "-o", "x.csv", "--chunk-size", "0"], "must be at least 1"),
        (["label", "{data}", "-o", "x.csv", "--encoding", "utf-99"], "unknown encoding 'utf-99'"),
        (["label", "{data}"], "the following arguments are required: -o/--output"),
        (["label", "{data}", "-o", "x.dat"], "cannot tell the format of 'x.dat'"),
        (["train", "{data}", "-o", "m.joblib", "--char-ngrams", "2-x"], "expected two numbers like 1,2"),
        (
            ["train", "{data}", "-o", "m.joblib", "--cv", "1"],
            "cv must be 0 (no cross-validation) or at least 2",
        ),
        (["classify", "  "], "the complaint text is empty"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "laporan.csv"
    data.write_text(
        "teks,label\nKTP belum jadi,penundaan_berlarut\npungli,permintaan_imbalan\n", encoding="utf-8"
    )
    args = [a.replace("{data}", str(data)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_failures_exit_1_without_traceback_unless_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["classify", "KTP belum jadi", "--model", str(tmp_path / "tidak_ada.joblib")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("maladmin-nlp: error: No model file at") and err.count("\n") == 1
    assert main([*args, "--verbose"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_train_info_classify_evaluate(
    tmp_path: Path,
    write_csv: Callable[..., Path],
    training_rows: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_csv(tmp_path / "latih.csv", ["teks", "label"], training_rows)
    model = tmp_path / "saya.joblib"
    code = main(
        [
            "train",
            str(data),
            "-o",
            str(model),
            "--text-column",
            "teks",
            "--label-column",
            "label",
            "--cv",
            "2",
            "--calibration",
            "none",
            "--word-ngrams",
            "1,1",
            "--min-df",
            "1",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "cross-validation (2 folds)" in out and "penundaan_berlarut" in out and "macro-F1" in out

    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "latih.csv (40 samples" in out and "bukan_maladministrasi" in out
    assert "compact form  saya.compact.npz (" in out and (tmp_path / "saya.compact.npz").exists()
    assert "decision      auto: " in out
    assert main(["info", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["training_data"]["n_samples"] == 40

    assert main(["classify", "petugas", "bentak", "warga", "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("label         tidak_patut — Tidak Patut") and "evidence      " in out

    assert main(["evaluate", str(model), str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_samples"] == 40 and "confusion" in report
    for name in ("macro_f1", "accuracy", "maladministration_f1"):
        low, high = report["intervals_95"][name]
        assert 0 <= low <= report[name] <= high <= 1
    assert main(["evaluate", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    assert "confusion matrix (rows: true label, columns: predicted)" in out
    assert "95% bootstrap intervals (2,000 resamples of the 40 rows): macro-F1 " in out


def test_evaluate_against_another_model_compares_them_row_by_row(
    tmp_path: Path,
    model_path: Path,
    write_csv: Callable[..., Path],
    training_rows: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_csv(tmp_path / "uji.csv", ["teks", "label"], training_rows)
    argv = ["evaluate", str(model_path), str(data), "--against", "default"]
    assert main([*argv, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    against = figures["against"]
    assert against["model"] == "default" and against["n_samples"] == figures["n_samples"] == 40
    for name in ("macro_f1", "accuracy", "maladministration_f1"):
        d = against["difference"][name]
        assert d["low"] <= d["difference"] <= d["high"] and 0 <= d["a_better"] <= 1
    # the tiny model was trained on these very rows, so it beats the shipped one on them
    assert figures["accuracy"] == 1.0 and against["difference"]["accuracy"]["difference"] > 0
    assert against["difference"]["accuracy"]["difference"] == pytest.approx(1.0 - against["accuracy"], abs=1e-4)
    for name in ("macro_f1", "maladministration_f1"):  # the differences are between the figures reported
        expected = against["this"][name] - against[name]
        assert against["difference"][name]["difference"] == pytest.approx(expected, abs=2e-4)

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"{model_path} against default, on the same 40 rows (paired bootstrap, 2,000 resamples)" in out
    assert "maladministration-vs-not F1" in out and "of resamples" in out


def test_evaluate_html_report(
    tmp_path: Path,
    model_path: Path,
    write_csv: Callable[..., Path],
    training_rows: list[tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = write_csv(tmp_path / "uji.csv", ["teks", "label"], training_rows)
    html = tmp_path / "laporan.html"
    code = main(["evaluate", str(model_path), str(data), "--report", str(html)])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert code == 1
        assert "pip install 'maladmin-nlp[plot]'" in capsys.readouterr().err
        assert not html.exists()
    else:
        assert code == 0 and html.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_train_rejects_invalid_rows(
    tmp_path: Path, write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_csv(
        tmp_path / "latih.csv",
        ["teks", "label"],
        [["KTP belum jadi", "penundaan_berlarut"], ["minta uang", ""], ["", "tidak_patut"]],
    )
    assert main(["train", str(data), "-o", str(tmp_path / "m.joblib")]) == 1
    err = capsys.readouterr().err
    assert "2 rows of latih.csv cannot be used: row 2: empty label; row 3: empty text" in err
    assert not (tmp_path / "m.joblib").exists()


def test_redact_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "a.jsonl"
    data.write_text('{"id": "A-1", "isi": "NIK saya 3201234567890001, hp 081298765432"}\n', encoding="utf-8")
    assert main(["redact", str(data), "-o", str(tmp_path / "b.csv"), "--text-column", "isi"]) == 0
    assert (tmp_path / "b.csv").read_text(encoding="utf-8") == 'id,isi\nA-1,"NIK saya [NIK], hp [TELEPON]"\n'
    assert "rows changed: 1" in capsys.readouterr().err


def test_summary_names_rows_by_id(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a.csv"
    data.write_text("kode,isi_laporan\nL-001,KTP belum jadi\nL-002,\n", encoding="utf-8")
    summary = tmp_path / "s.json"
    code = main(
        [
            "label",
            str(data),
            "-o",
            str(tmp_path / "b.jsonl"),
            "--model",
            str(model_path),
            "--id-column",
            "kode",
            "--summary",
            str(summary),
        ]
    )
    assert code == 0
    assert json.loads(summary.read_text(encoding="utf-8"))["error_examples"] == [
        {"row": 2, "error": "empty text", "id": "L-002"}
    ]
    assert "row 2 (id L-002): empty text" in capsys.readouterr().err


def test_interrupt_exits_130_with_a_resume_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "label_file", interrupted)
    data = tmp_path / "a.csv"
    data.write_text("isi\nx\n", encoding="utf-8")
    assert main(["label", str(data), "-o", str(tmp_path / "b.csv")]) == 130
    assert "rerun with --resume" in capsys.readouterr().err


def test_partial_output_in_the_way_is_a_usage_error(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "a.csv"
    data.write_text("isi\nKTP belum jadi\n", encoding="utf-8")
    out = tmp_path / "b.csv"
    state_path(out).write_text(
        json.dumps({"format": "maladmin_nlp.batch_state", "rows_done": 7}), encoding="utf-8"
    )
    assert main(["label", str(data), "-o", str(out), "--model", str(model_path)]) == 2
    assert "holds 7 rows of an interrupted run" in capsys.readouterr().err
    assert main(["label", str(data), "-o", str(out), "--model", str(model_path), "--restart"]) == 0
    assert list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1][0] == "KTP belum jadi"


def test_progress_bar_shows_rows_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = cli._ProgressBar(stream, min_interval=0)
    bar(Progress(rows=2000, rows_this_run=2000, elapsed=4.0, fraction=0.25))
    line = stream.getvalue()
    assert "25%" in line and "2,000 rows" in line and "500 rows/s" in line and "ETA 0:12" in line
    bar.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"decision": "auto", "calibration": "sigmoid"}, "auto: maladministration_first (bukan_maladministrasi only"),
        ({"decision": "auto", "calibration": None}, "auto: argmax (the single most probable label)"),
        ({"decision": "maladministration_first"}, "maladministration_first (bukan_maladministrasi only"),
        ({}, "argmax (the single most probable label)"),  # a card written before the parameter existed
    ],
)
def test_info_says_how_the_model_chooses_labels(params, shown):
    from maladmin_nlp.cli import _decision_text

    assert _decision_text(params).startswith(shown)
