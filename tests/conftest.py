"""Shared fixtures: a tiny model trained once per session, sample complaints, file helpers."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from maladmin_nlp import ComplaintClassifier, load_model, save_model

# Short made-up complaints, four labels, ten each: enough for a model that separates them.
TRAINING = [
    ("KTP saya sudah 3 bulan belum jadi", "penundaan_berlarut"),
    ("sertifikat tanah sudah setahun belum terbit", "penundaan_berlarut"),
    ("akta kelahiran anak belum selesai padahal sudah dua bulan", "penundaan_berlarut"),
    ("izin usaha diproses berbulan-bulan tanpa kabar", "penundaan_berlarut"),
    ("KK baru dijanjikan minggu depan terus, sudah 4 bulan", "penundaan_berlarut"),
    ("paspor belum jadi walau sudah lewat jadwal", "penundaan_berlarut"),
    ("pencairan bantuan tertunda lama sekali", "penundaan_berlarut"),
    ("berkas pensiun saya belum diproses sejak tahun lalu", "penundaan_berlarut"),
    ("SIM belum dicetak katanya blangko habis sudah 2 bulan", "penundaan_berlarut"),
    ("balik nama sertifikat lambat sekali belum selesai", "penundaan_berlarut"),
    ("petugas minta uang 200rb supaya cepat", "permintaan_imbalan"),
    ("diminta uang rokok oleh oknum kelurahan", "permintaan_imbalan"),
    ("ada pungli di loket samsat 100 ribu", "permintaan_imbalan"),
    ("sekolah memungut sumbangan wajib jutaan rupiah", "permintaan_imbalan"),
    ("disuruh bayar uang pelicin biar berkas lolos", "permintaan_imbalan"),
    ("oknum polisi minta uang damai di jalan", "permintaan_imbalan"),
    ("calo di kantor minta tambahan biaya", "permintaan_imbalan"),
    ("penerima bantuan dipotong 50 ribu oleh perangkat desa", "permintaan_imbalan"),
    ("tebusan 500 ribu tanpa kuitansi resmi", "permintaan_imbalan"),
    ("bayar biaya administrasi padahal gratis", "permintaan_imbalan"),
    ("perawat membentak keluarga pasien", "tidak_patut"),
    ("petugas main HP dan merokok saat melayani", "tidak_patut"),
    ("pegawai bicara kasar dan menghina warga", "tidak_patut"),
    ("satpam kantor mengusir warga dengan kata kasar", "tidak_patut"),
    ("staf loket cuek dan sinis kepada pemohon", "tidak_patut"),
    ("petugas berteriak marah marah di depan antrean", "tidak_patut"),
    ("dokter merendahkan pasien miskin dengan kata kata kasar", "tidak_patut"),
    ("pegawai tidur di meja saat jam pelayanan", "tidak_patut"),
    ("petugas mengejek cara bicara warga desa", "tidak_patut"),
    ("pelayan kantor membanting berkas dengan marah", "tidak_patut"),
    ("min mau tanya syarat bikin paspor apa saja", "bukan_maladministrasi"),
    ("terima kasih pelayanannya cepat dan ramah", "bukan_maladministrasi"),
    ("jam buka kantor dinas hari sabtu jam berapa", "bukan_maladministrasi"),
    ("apakah perpanjang SIM bisa online", "bukan_maladministrasi"),
    ("mohon info lokasi kantor pajak terdekat", "bukan_maladministrasi"),
    ("pelayanan puskesmas sudah bagus, terima kasih", "bukan_maladministrasi"),
    ("bagaimana cara daftar BPJS mandiri", "bukan_maladministrasi"),
    ("saya ingin tanya biaya balik nama kendaraan", "bukan_maladministrasi"),
    ("apresiasi untuk petugas yang membantu kami", "bukan_maladministrasi"),
    ("syarat pindah domisili apa saja ya", "bukan_maladministrasi"),
]

# Texts to label: varied, with punctuation that tests quoting, and non-ASCII characters.
COMPLAINTS = [
    "KTP saya belum jadi, sudah 5 bulan menunggu",
    'Petugas bilang "uang rokok" 150rb; kalau tidak, berkas tidak diproses',
    "Perawat membentak ibu saya | sangat kasar",
    "Café dekat kantor? Mau tanya jam buka kantor dinas hari Sabtu",
    "Sertifikat tanah belum terbit\tpadahal sudah setahun",
    "Oknum minta uang pelicin ’biar cepat’ katanya",
    "Terima kasih, pelayanannya cepat dan ramah",
    "Pegawai main HP saat melayani antrean panjang",
]


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny uncalibrated model saved with its card (the default model is not needed)."""
    texts, labels = zip(*TRAINING, strict=True)
    clf = ComplaintClassifier(calibration=None).fit(list(texts), list(labels))
    return save_model(clf, tmp_path_factory.mktemp("model") / "tiny.joblib")


@pytest.fixture(scope="session")
def model(model_path: Path) -> ComplaintClassifier:
    return load_model(model_path)


@pytest.fixture(scope="session")
def training_rows() -> list[tuple[str, str]]:
    return list(TRAINING)


@pytest.fixture(scope="session")
def complaints() -> list[str]:
    return list(COMPLAINTS)


def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def write_csv() -> Callable[..., Path]:
    """``write_csv(path, header, rows, encoding=..., delimiter=...)`` with the stdlib writer."""
    return _write_csv


def _read_table(path: Path, *, delimiter: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of an output file, read independently of maladmin_nlp.io."""
    suffix = path.suffix
    if suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=delimiter or ("\t" if suffix == ".tsv" else ",")))
        return rows[0], rows[1:]
    if suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        header = list(records[0]) if records else []
        return header, [[r.get(k) for k in header] for r in records]
    if suffix == ".xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.load_workbook(path, read_only=True)
        values = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        width = len(values[0])
        return [str(v) for v in values[0]], [row + [None] * (width - len(row)) for row in values[1:]]
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(path)
    return table.column_names, [list(r.values()) for r in table.to_pylist()]


@pytest.fixture(scope="session")
def read_table() -> Callable[..., tuple[list[str], list[list[Any]]]]:
    """``read_table(path, delimiter=None) -> (header, rows)`` for csv/tsv/jsonl/xlsx/parquet."""
    return _read_table


def cli_command(*args: object, script: bool = False) -> list[str]:
    """The real command line: ``python -m maladmin_nlp ...`` (or the installed console script)."""
    exe = Path(sys.executable).with_name("maladmin-nlp")
    head = [str(exe)] if script and exe.exists() else [sys.executable, "-m", "maladmin_nlp"]
    return [*head, *(str(a) for a in args)]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONWARNINGS": "ignore"}


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real command in a subprocess and return the completed process (text output)."""

    def run(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli_command(*args),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=cli_env(),
            timeout=timeout,
        )

    return run


def _default_sigint() -> None:
    """In the child before exec: SIGINT back to its default action, so that Python turns it into
    KeyboardInterrupt. A test run started as a background job of a non-interactive shell inherits
    SIGINT ignored, and the command, rightly, keeps ignoring it: the tests that send SIGINT would
    then see a run that cannot be interrupted."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def start_cli() -> Callable[..., subprocess.Popen[str]]:
    """Start the real command without waiting (``script=True`` uses the console script if installed)."""

    def start(*args: object, script: bool = False) -> subprocess.Popen[str]:
        return subprocess.Popen(
            cli_command(*args, script=script),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=cli_env(),
            preexec_fn=_default_sigint if os.name == "posix" else None,
        )

    return start
