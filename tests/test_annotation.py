import csv

import pytest
from sklearn.base import clone

from maladmin_nlp import ComplaintClassifier
from maladmin_nlp.adaptation import adapt, pseudo_label
from maladmin_nlp.annotation import read_annotation_sheet, select_for_annotation, write_annotation_sheet

X = [
    "KTP saya sudah 3 bulan belum jadi", "akta kelahiran anak belum selesai dua bulan",
    "sertifikat tanah sudah setahun diproses belum terbit", "KK baru ditunggu sebulan belum jadi",
    "petugas minta uang 200 ribu biar cepat", "diminta uang rokok 50rb di samsat",
    "pungli di sekolah sumbangan wajib 500 ribu", "bayar 1 juta ke oknum supaya lulus",
    "lampu jalan di gang 3 mati mohon diperbaiki", "mau tanya syarat bikin paspor apa saja",
    "terima kasih pelayanan puskesmas cepat", "jalan berlubang depan sekolah tolong ditambal",
]
Y = ["penundaan_berlarut"] * 4 + ["permintaan_imbalan"] * 4 + ["bukan_maladministrasi"] * 4
ARCHIVE = [
    "akta kematian ayah sudah 2 bulan belum jadi juga", "akta kematian ayah sudah 2 bulan belum jadi juga",
    "dimintai uang 300 ribu untuk surat pindah", "lampu pju depan masjid mati",
    "KK saya belum jadi padahal sudah sebulan", "bayar uang pelicin 100rb di kelurahan",
    "pohon tumbang di jalan kenanga", "ok", "",
]


@pytest.fixture(scope="module")
def model():
    return ComplaintClassifier(calibration_cv=2).fit(X, Y)


def test_selection_is_diverse_and_skips_duplicates_and_empty(model):
    picked = select_for_annotation(model, ARCHIVE, n=6)
    assert len(picked) == len(set(picked))
    assert not {0, 1} <= set(picked)  # never both near-duplicates
    assert 7 not in picked and 8 not in picked  # too short / empty
    assert all(0 <= i < len(ARCHIVE) for i in picked)


def test_selection_of_zero(model):
    assert select_for_annotation(model, ARCHIVE, n=0) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_sheet_round_trip(tmp_path, suffix):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    path = tmp_path / f"sheet{suffix}"
    write_annotation_sheet(path, ["teks satu", "teks dua"], ids=["a", "b"], predicted=["x", "y"],
                           confidences=[0.4, 0.9])
    if suffix == ".csv":
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("#") and any("penundaan_berlarut" in line for line in lines)
        rows = [line for line in lines if not line.startswith("#")]
        data = list(csv.reader(rows))
        data[1][4] = "penundaan_berlarut"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(data)
    else:
        from openpyxl import load_workbook

        wb = load_workbook(path)
        assert wb.sheetnames == ["label", "panduan"]
        assert wb["label"].data_validations.dataValidation  # the drop-down
        wb["label"]["E2"] = "penundaan_berlarut"
        wb.save(path)
    texts, labels = read_annotation_sheet(path)
    assert texts == ["teks satu"] and labels == ["penundaan_berlarut"]


def test_invalid_labels_are_reported_with_row_numbers(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,text,label\n1,teks,salah_label\n2,,berpihak\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 2: invalid label 'salah_label'; row 3: empty text"):
        read_annotation_sheet(path)


def test_pseudo_labels_are_capped_per_label(model):
    idx, labels, conf = pseudo_label(model, ARCHIVE, per_class=1, min_confidence=0.0)
    assert len(idx) == len(set(labels)) <= len(model.classes_)
    assert all(c >= 0 for c in conf)


def test_adapt_returns_a_new_model_and_leaves_the_old_one(model):
    before = model.predict_proba(X)
    adapted, info = adapt(model, ARCHIVE, base_texts=X, base_labels=Y, per_class=2, min_confidence=0.0)
    assert adapted is not model
    assert info["n_archive"] == len(ARCHIVE)
    assert 0 < info["n_pseudo_labelled"] <= 2 * len(model.classes_)
    assert (model.predict_proba(X) == before).all()
    assert set(adapted.classes_) == set(model.classes_)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_sheet_texts_are_never_formulas(tmp_path, suffix):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    path = tmp_path / f"sheet{suffix}"
    evil = '=HYPERLINK("http://x.invalid","klik")'
    write_annotation_sheet(path, [evil, "-biasa saja"])
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        assert wb["label"]["B2"].data_type == "s"
        wb["label"]["E2"] = "bukan_maladministrasi"
        wb["label"]["E3"] = "bukan_maladministrasi"
        wb.save(path)
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert any(line.startswith("1,'=HYPERLINK") or ",\"'=HYPERLINK" in line for line in lines)
        body = [line for line in lines if not line.startswith("#")]
        data = list(csv.reader(body))
        for row in data[1:]:
            row[4] = "bukan_maladministrasi"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(data)
    texts, _ = read_annotation_sheet(path)
    assert texts == [evil, "-biasa saja"]


@pytest.mark.parametrize(("decision", "adapted_decision"),
                         [("auto", "argmax"), ("maladministration_first", "maladministration_first"),
                          ("argmax", "argmax")])
def test_an_adapted_model_labels_with_argmax_unless_told_otherwise(model, decision, adapted_decision):
    # its pseudo-labels already move it towards the forms; maladministration-first on top overshoots
    base = clone(model).set_params(decision=decision).fit(X, Y)
    adapted, info = adapt(base, ARCHIVE, base_texts=X, base_labels=Y, per_class=2, min_confidence=0.0)
    assert adapted.decision == info["decision"] == adapted_decision
    assert base.decision == decision
