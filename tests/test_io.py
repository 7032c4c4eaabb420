"""Readers and writers of maladmin_nlp.io, used directly."""

from __future__ import annotations

import codecs
import csv
import json
import sys
from pathlib import Path

import pytest

from maladmin_nlp import io as mio
from maladmin_nlp.io import (
    MISSING,
    ColumnNotFoundError,
    FormatError,
    ResumeError,
    cell_text,
    detect_encoding,
    detect_format,
    find_column,
    guess_column,
    guess_text_column,
    open_table,
    open_writer,
    partial_path,
    read_labelled_file,
    sniff_delimiter,
)

TEXT = "Pelayanan di kantor camat lambat, petugas bilang ’besok saja’ — café tutup"


# --------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "cp1252"),
        ("Pelayanan lambat, café ".encode("latin-1") + b"\x81", "latin-1"),  # 0x81: undefined in cp1252
        (TEXT.encode("utf-16"), "utf-16"),
        (b"no,isi\n1,KTP belum jadi\n", "utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "latin-1", "utf-16", "ascii"],
)
def test_detect_encoding(data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


def test_detect_encoding_sample_may_cut_a_character(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"a" * 9 + "é".encode())  # the 10-byte sample ends inside "é"
    assert detect_encoding(path, sample_size=10) == "utf-8"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("no,tanggal,isi\n1,2024-01-02,KTP belum jadi\n2,2024-01-03,Pungli\n", ","),
        ("no;tanggal;isi\n1;2024-01-02;KTP belum jadi, sudah 3 bulan, kata petugas besok\n", ";"),
        ("no\ttanggal\tisi\n1\t2024-01-02\tKTP belum jadi, sudah 3 bulan\n", "\t"),
        ('no|isi\n1|"pungli, katanya uang rokok"\n', "|"),
        ('no;isi\n1;"baris satu, koma\nbaris dua; titik koma\nbaris tiga"\n2;"lagi, lagi"\n', ";"),
        ("isi_laporan\nKTP belum jadi\n", ","),
    ],
    ids=["comma", "semicolon-with-commas", "tab", "pipe", "multiline-quoted", "one-column"],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


# --------------------------------------------------------------------------- columns
@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["no", "tanggal", "isi_laporan"], "isi_laporan"),
        (["No", "Isi Laporan", "Instansi"], "Isi Laporan"),
        (["ID", "ISI_PENGADUAN"], "ISI_PENGADUAN"),
        (["id", "keluhan", "text"], "keluhan"),  # candidates are tried in order
        (["id", "uraian"], "uraian"),
        (["id", "Message"], "Message"),
        (["id", "tanggal_laporan"], None),  # no partial matches
    ],
)
def test_guess_text_column(columns: list[str], expected: str | None) -> None:
    assert guess_text_column(columns) == expected


def test_guess_column_label() -> None:
    assert (
        guess_column(["teks", "Jenis Maladministrasi"], ["label", "jenis_maladministrasi"])
        == "Jenis Maladministrasi"
    )


def test_find_column_ignores_case() -> None:
    assert find_column(["No", "Isi_Laporan"], "ISI_LAPORAN") == "Isi_Laporan"


def test_find_column_missing_says_what_to_do() -> None:
    with pytest.raises(ColumnNotFoundError) as info:
        find_column(["no", "tanggal", "uraian"], "isi", source="laporan.csv")
    assert info.value.describe("--text-column") == (
        "column 'isi' not found in laporan.csv; columns are: no, tanggal, uraian — pass --text-column"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.csv", "csv"), ("a.TSV", "tsv"), ("a.ndjson", "jsonl"), ("a.xlsx", "xlsx"), ("a.pq", "parquet")],
)
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(name) == expected


def test_detect_format_unknown() -> None:
    with pytest.raises(FormatError, match=r"cannot tell the format of 'arsip.dat'"):
        detect_format("arsip.dat")


# --------------------------------------------------------------------------- CSV reader
def test_csv_reader_ragged_rows_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "no,isi,instansi\n"
        "1,Petugas minta uang, katanya biaya admin,Kelurahan\n"  # unquoted comma in the text
        "2,KTP belum jadi\n"  # a field short
        "\n"  # blank line: not a record
        "3,Lengkap,Dinas\n",
        encoding="utf-8",
    )
    with open_table(path) as table:
        records = list(table.records(extra_into=1))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].values == ["1", "Petugas minta uang, katanya biaya admin", "Kelurahan"]
    assert "joined into 'isi'" in records[0].problem
    assert records[1].values == ["2", "KTP belum jadi", ""]
    assert "left empty" in records[1].problem
    assert records[2].problem == ""


def test_csv_reader_extra_fields_default_to_last_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("no,isi\n1,satu,dua,tiga\n", encoding="utf-8")
    with open_table(path) as table:
        (record,) = table.records()
    assert record.values == ["1", "satu,dua,tiga"]


def test_csv_reader_multiline_bom_and_duplicate_headers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(codecs.BOM_UTF8 + b'no;isi;isi;\n1;"baris satu\r\nbaris ""dua"""; x;\n')
    with open_table(path) as table:
        assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
        assert table.columns == ["no", "isi", "isi_2", "column_4"]
        (record,) = table.records()
    assert record.values == ["1", 'baris satu\r\nbaris "dua"', " x", ""]


def test_csv_reader_undecodable_bytes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("no,isi\n1,café lambat\n2,biasa\n".encode("cp1252"))
    with open_table(path, encoding="utf-8") as table:
        first, second = table.records()
    assert first.values == ["1", "caf\ufffd lambat"]
    assert first.undecodable == (1,)
    assert "not valid in utf-8" in first.problem
    assert second.undecodable == () and second.problem == ""


def test_csv_reader_tsv_and_given_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("no\tisi\n1\tpungli, katanya; uang rokok\n", encoding="utf-8")
    with open_table(path) as table:
        assert table.format == "tsv"
        assert [r.values for r in table.records()] == [["1", "pungli, katanya; uang rokok"]]
    txt = tmp_path / "a.txt"
    txt.write_text("no|isi\n1|x\n", encoding="utf-8")
    with open_table(txt, delimiter="|") as table:
        assert table.columns == ["no", "isi"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # a quote never closed swallows the rest of the file in the csv module
            '1,"KTP belum jadi,Dukcapil\n2,Petugas minta uang,Samsat\n3,biasa,RSUD\n',
            [
                (["1", "KTP belum jadi,Dukcapil", ""], 'line 2: a quote (") is never closed; the row was read from '
                 "line 2 alone, and the 2 line(s) after it as rows of their own"),
                (["2", "Petugas minta uang", "Samsat"], ""),
                (["3", "biasa", "RSUD"], ""),
            ],
        ),
        (  # text after a closing quote
            '1,"KTP" belum jadi,Dukcapil\n2,biasa,RSUD\n',
            [(["1", "KTP belum jadi", "Dukcapil"], "line 2: ',' expected after '\"'"), (["2", "biasa", "RSUD"], "")],
        ),
        (  # a closing quote lines later, then text: the lines in between come back as rows
            '1,"KTP belum jadi,Dukcapil\n2,Petugas minta uang,Samsat\n3,"biasa" saja,RSUD\n4,x,y\n',
            [
                (["1", "KTP belum jadi,Dukcapil", ""], "the 2 line(s) after it as rows of their own"),
                (["2", "Petugas minta uang", "Samsat"], ""),
                (["3", "biasa saja", "RSUD"], "line 4: ',' expected after '\"'"),
                (["4", "x", "y"], ""),
            ],
        ),
        (  # a well-formed multi-line cell is left alone
            '1,"baris satu\nbaris dua",Dukcapil\n2,biasa,RSUD\n',
            [(["1", "baris satu\nbaris dua", "Dukcapil"], ""), (["2", "biasa", "RSUD"], "")],
        ),
        (  # spaces after the closing quote of a multi-line cell: the cell is kept whole
            '1,"baris satu\nbaris dua"  ,Dukcapil\n2,biasa,RSUD\n',
            [
                (["1", "baris satu\nbaris dua", "Dukcapil"], "line 2: spaces after a closing quote"),
                (["2", "biasa", "RSUD"], ""),
            ],
        ),
    ],
    ids=["never-closed", "text-after-quote", "closed-lines-later", "well-formed-multiline", "spaces-after-quote"],
)
def test_csv_reader_malformed_quotes_lose_no_row(
    tmp_path: Path, body: str, expected: list[tuple[list[str], str]]
) -> None:
    path = tmp_path / "a.csv"
    path.write_text("no,isi,instansi\n" + body, encoding="utf-8")
    with open_table(path) as table:
        records = list(table.records(extra_into=1))
    assert [r.number for r in records] == list(range(1, len(expected) + 1))
    for record, (values, problem) in zip(records, expected, strict=True):
        assert record.values == values
        if problem:
            assert problem in record.problem and record.problem.startswith("malformed CSV record starting on")
        else:
            assert record.problem == ""


def test_csv_reader_cell_over_the_limit_is_a_row_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"no,isi\n1,\"{'x' * 300}\"\n2,biasa\n3,\"{'y' * 300}\ny\"\n4,akhir\n", encoding="utf-8")
    old = csv.field_size_limit(100)
    monkeypatch.setattr(mio, "CSV_FIELD_LIMIT", 100)
    try:
        with open_table(path) as table:
            records = list(table.records())
        assert csv.field_size_limit() == 100
    finally:
        csv.field_size_limit(old)
    # the long cell's row keeps its values; the other lines of a long multi-line cell come back as rows
    assert [r.values[0] for r in records] == ["1", "2", "3", 'y"', "4"]
    assert records[0].values == ["1", '"' + "x" * 300 + '"']
    assert records[0].problem == "malformed CSV record starting on line 2: field larger than field limit (100)"
    assert records[1].problem == "" and records[1].values == ["2", "biasa"]
    assert records[2].values == ["3", '"' + "y" * 300] and "field larger than field limit" in records[2].problem
    assert "row has 1 fields but the header has 2" in records[3].problem
    assert records[4].values == ["4", "akhir"] and records[4].problem == ""


def test_csv_reader_raises_the_field_limit_only_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    big = "kata " * 100_000  # 500,000 characters: more than the csv module's default limit
    path.write_text(f'no,isi\n1,"{big}"\n', encoding="utf-8")
    before = csv.field_size_limit()
    first, second = open_table(path), open_table(path)
    assert csv.field_size_limit() == mio.CSV_FIELD_LIMIT
    (record,) = first.records()
    assert record.values[1] == big and record.problem == ""
    first.close()
    assert csv.field_size_limit() == mio.CSV_FIELD_LIMIT  # the second reader is still open
    second.close()
    assert csv.field_size_limit() == before


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(f"no,isi\n1,{TEXT}\n".encode(encoding))
    with open_table(path) as table:
        assert table.encoding == encoding
        assert [r.values for r in table.records()] == [["1", TEXT]]


def test_latin1_fallback_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("no,isi\n1,役所の職員\n".encode("shift_jis"))
    with open_table(path) as table:
        assert table.encoding == "latin-1"
    assert "a.csv is neither UTF-8 nor Windows-1252 text" in caplog.text


def test_csv_reader_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "kosong.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"kosong\.csv is empty"):
        open_table(path)


def test_open_table_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="input file not found"):
        open_table(tmp_path / "tidak_ada.csv")


# --------------------------------------------------------------------------- JSONL reader
def test_jsonl_reader(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": 1, "isi": "KTP belum jadi"}\n'
        "\n"
        '{"id": 2, "isi": "pungli", "kanal": "SP4N"}\n'
        "not json\n"
        '["a list"]\n',
        encoding="utf-8",
    )
    with open_table(path) as table:
        assert table.columns == ["id", "isi", "kanal"]
        assert table.total_rows == 4
        records = list(table.records())
    assert records[0].values == [1, "KTP belum jadi", MISSING]
    assert records[1].values == [2, "pungli", "SP4N"]
    assert "not valid JSON" in records[2].problem
    assert "JSON list, not an object" in records[3].problem


# --------------------------------------------------------------------------- writers
def test_cell_text() -> None:
    assert [cell_text(v) for v in ("a", None, MISSING, False, 1.5, [1, "é"], float("nan"))] == [
        "a",
        "",
        "",
        "false",
        "1.5",
        '[1, "é"]',
        "",
    ]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_writer_resume_cuts_back_to_checkpoint(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"hasil.{fmt}"
    writer = open_writer(out, fmt, ["no", "isi"])
    writer.write([["1", "satu"], ["2", "dua"]])
    position = writer.checkpoint()
    writer.write([["3", "tiga (never checkpointed)"]])
    writer.close()  # as if the process died here
    assert not out.exists() and partial_path(out).exists()

    writer = open_writer(out, fmt, ["no", "isi"], resume_from=position)
    writer.write([["3", "tiga"]])
    writer.commit()
    assert not partial_path(out).exists()
    if fmt == "csv":
        assert out.read_text(encoding="utf-8") == "no,isi\n1,satu\n2,dua\n3,tiga\n"
    else:
        assert [json.loads(line)["isi"] for line in out.read_text(encoding="utf-8").splitlines()] == [
            "satu",
            "dua",
            "tiga",
        ]


def test_writer_resume_needs_the_partial_file(tmp_path: Path) -> None:
    with pytest.raises(ResumeError, match=r"partial output .* is missing"):
        open_writer(tmp_path / "hasil.csv", "csv", ["a"], resume_from=10)


def test_jsonl_writer_leaves_out_missing_keys(tmp_path: Path) -> None:
    out = tmp_path / "b.jsonl"
    writer = open_writer(out, "jsonl", ["id", "kanal"])
    writer.write([[1, MISSING], [2, None]])
    writer.commit()
    assert out.read_text(encoding="utf-8") == '{"id": 1}\n{"id": 2, "kanal": null}\n'


def test_parquet_writer_resume_and_types(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "hasil.parquet"
    cols = ["isi", "confidence", "needs_review"]
    writer = open_writer(out, "parquet", cols, types=[None, "float", "bool"])
    writer.write([["satu", 0.5, True]])
    position = writer.checkpoint()
    writer.write([["lost", 0.1, False]])
    writer.close()
    writer = open_writer(out, "parquet", cols, types=[None, "float", "bool"], resume_from=position)
    writer.write([["dua", None, None]])
    writer.commit()
    table = pq.read_table(out)
    assert table.to_pylist() == [
        {"isi": "satu", "confidence": 0.5, "needs_review": True},
        {"isi": "dua", "confidence": None, "needs_review": None},
    ]
    assert str(table.schema.field("confidence").type) == "double"


def test_excel_writer_keeps_text_that_looks_like_a_formula(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "hasil.xlsx"
    writer = open_writer(out, "xlsx", ["isi", "n"])
    writer.write([["=== tolong ===", 1], ["kontrol\x07char", None]])
    writer.commit()
    wb = openpyxl.load_workbook(out)
    assert list(wb.active.values) == [("isi", "n"), ("=== tolong ===", 1), ("kontrolchar", None)]


def test_excel_and_parquet_readers(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["No", "Isi Laporan", None])
    ws.append([1, "KTP belum jadi", None])
    ws.append([None, None, None])  # an empty row is not a record
    ws.append([2, "Pungli", "catatan tanpa judul"])
    wb.save(tmp_path / "a.xlsx")
    with open_table(tmp_path / "a.xlsx") as table:
        assert table.columns == ["No", "Isi Laporan"]
        records = list(table.records())
    assert [r.values for r in records] == [[1, "KTP belum jadi"], [2, "Pungli"]]
    assert "left out" in records[1].problem

    pq.write_table(pa.table({"id": [1, 2, 3], "isi": ["a", None, "c"]}), tmp_path / "a.parquet")
    with open_table(tmp_path / "a.parquet", batch_size=2) as table:
        assert table.total_rows == 3
        assert [r.values for r in table.records()] == [[1, "a"], [2, None], [3, "c"]]


@pytest.mark.parametrize(("module", "suffix"), [("openpyxl", "xlsx"), ("pyarrow.parquet", "parquet")])
def test_missing_extra_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, suffix: str
) -> None:
    path = tmp_path / f"a.{suffix}"
    path.write_bytes(b"not really")
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'maladmin-nlp\[io\]'"):
        open_table(path)


# --------------------------------------------------------------------------- labelled files
def test_read_labelled_file_checks_rows(tmp_path: Path) -> None:
    path = tmp_path / "latih.csv"
    path.write_text(
        "teks,kategori\nKTP belum jadi,penundaan_berlarut\n,tidak_patut\nPungli,\nBentak,tidak_patutt\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ValueError,
        match=r"3 rows of latih.csv cannot be used: row 2: empty text; row 3: empty "
        r"label; row 4: unknown label 'tidak_patutt'",
    ) as info:
        read_labelled_file(path, valid_labels={"penundaan_berlarut", "tidak_patut"})
    assert "Valid labels: penundaan_berlarut, tidak_patut" in str(info.value)
    data = read_labelled_file(path, valid_labels={"penundaan_berlarut", "tidak_patut"}, skip_invalid=True)
    assert (data.texts, data.labels, data.rows, data.n_skipped) == (
        ["KTP belum jadi"],
        ["penundaan_berlarut"],
        [1],
        3,
    )
    assert data.label_column == "kategori" and len(data.sha256) == 64


def test_read_labelled_file_missing_label_column(tmp_path: Path) -> None:
    path = tmp_path / "latih.csv"
    path.write_text("teks,kelompok\na,b\n", encoding="utf-8")
    with pytest.raises(
        ColumnNotFoundError, match=r"no label column found in latih\.csv; columns are: teks, kelompok"
    ):
        read_labelled_file(path)
