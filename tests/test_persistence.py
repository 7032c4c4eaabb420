import json
import warnings

import numpy as np
import pytest

from maladmin_nlp import (
    ComplaintClassifier,
    ModelFormatError,
    ModelIntegrityError,
    ModelVersionWarning,
    load_model,
    save_model,
)
from maladmin_nlp.persistence import _card_digest, card_path, default_model_path, read_card

TEXTS = [
    "KTP saya sudah 3 bulan belum jadi", "akta kelahiran anak belum selesai dua bulan",
    "sertifikat tanah sudah setahun diproses belum terbit", "KK baru ditunggu sebulan belum jadi",
    "petugas minta uang 200 ribu biar cepat", "diminta uang rokok 50rb di samsat",
    "pungli di sekolah sumbangan wajib 500 ribu", "bayar 1 juta ke oknum supaya lulus",
    "lampu jalan di gang 3 mati mohon diperbaiki", "mau tanya syarat bikin paspor apa saja",
    "terima kasih pelayanan puskesmas cepat", "jalan berlubang depan sekolah tolong ditambal",
]
LABELS = ["penundaan_berlarut"] * 4 + ["permintaan_imbalan"] * 4 + ["bukan_maladministrasi"] * 4


def _resave_card(cpath, card):
    """Write ``card`` with a matching card_sha256, as save_model (or someone imitating it) would."""
    card["card_sha256"] = _card_digest(card)
    cpath.write_text(json.dumps(card))


@pytest.fixture(scope="module")
def model():
    return ComplaintClassifier(calibration_cv=2).fit(TEXTS, LABELS)


@pytest.fixture
def saved(model, tmp_path):
    path = save_model(model, tmp_path / "m.joblib", training_data={"n_samples": 12}, metrics={"macro_f1": 1.0})
    return path


def test_save_writes_model_and_card(saved):
    card = json.loads(card_path(saved).read_text(encoding="utf-8"))
    for key in ["format", "format_version", "created", "versions", "taxonomy_version", "labels", "params",
                "training_data", "metrics", "model_sha256", "model_size", "model_file"]:
        assert key in card
    for dist in ["maladmin_nlp", "scikit-learn", "numpy", "PySastrawi"]:
        assert dist in card["versions"]
    assert card["labels"] == sorted(set(LABELS))
    assert card["model_size"] == saved.stat().st_size
    assert not list(saved.parent.glob("*.tmp"))


def test_save_load_gives_identical_proba(model, saved):
    again = load_model(saved)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert again.card_["model_sha256"] == read_card(saved)["model_sha256"]


def test_tampered_file_is_refused_before_unpickling(saved):
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match its model card"):
        load_model(saved, estimator=True)


def test_truncated_file_is_refused(saved):
    saved.write_bytes(saved.read_bytes()[:100])
    with pytest.raises(ModelIntegrityError):
        load_model(saved, estimator=True)


def test_replaced_file_is_refused(saved, tmp_path):
    import joblib

    joblib.dump({"evil": True}, saved)
    with pytest.raises(ModelIntegrityError):
        load_model(saved, estimator=True)


def test_edited_card_is_refused(saved):
    cpath = card_path(saved)
    card = json.loads(cpath.read_text())
    card["model_sha256"] = "0" * 64
    cpath.write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError):
        load_model(saved)


def test_unknown_card_format_version(saved):
    cpath = card_path(saved)
    card = json.loads(cpath.read_text())
    card["format_version"] = 99
    cpath.write_text(json.dumps(card))
    with pytest.raises(ModelFormatError, match="card format version 99"):
        load_model(saved)


def test_card_that_is_not_json(saved):
    card_path(saved).write_text("not json {")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        load_model(saved)


def test_card_of_another_format(saved):
    card_path(saved).write_text(json.dumps({"hello": 1}))
    with pytest.raises(ModelFormatError, match="not a maladmin_nlp model card"):
        load_model(saved)


def test_missing_file_and_missing_card(tmp_path, saved):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "nope.joblib")
    card_path(saved).unlink()
    with pytest.raises(FileNotFoundError, match="No model card"):
        load_model(saved)


def test_a_non_model_file_with_a_valid_card_is_refused(tmp_path, saved):
    import hashlib

    import joblib

    other = tmp_path / "other.joblib"
    joblib.dump([1, 2, 3], other)
    card = json.loads(card_path(saved).read_text())
    card["model_sha256"] = hashlib.sha256(other.read_bytes()).hexdigest()
    _resave_card(card_path(other), card)
    with pytest.raises(ModelFormatError, match="not a maladmin_nlp ComplaintClassifier"):
        load_model(other, estimator=True)


def test_version_mismatch_warns_with_advice(saved):
    cpath = card_path(saved)
    card = json.loads(cpath.read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    _resave_card(cpath, card)
    with pytest.warns(ModelVersionWarning, match="retrain"):
        load_model(saved, estimator=True)


def test_compact_form_warns_only_for_the_versions_it_depends_on(saved):
    """The compact form does not use scikit-learn; numpy and maladmin_nlp versions still matter."""
    cpath = card_path(saved)
    card = json.loads(cpath.read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    _resave_card(cpath, card)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(saved)
    card["versions"]["numpy"] = "1.0.0"
    _resave_card(cpath, card)
    with pytest.warns(ModelVersionWarning, match="numpy 1.0.0"):
        load_model(saved)


def test_no_warning_when_versions_match(saved):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(saved)


def test_save_refuses_unfitted():
    with pytest.raises(TypeError, match="fitted ComplaintClassifier"):
        save_model(ComplaintClassifier(), "x.joblib")


def test_model_file_does_not_carry_the_stemmer_dictionary(saved):
    import gzip  # noqa: F401  (joblib compresses with zlib)

    raw = saved.read_bytes()
    assert b"kata-dasar" not in raw
    # the whole toy model is small: no 30,000-word dictionary inside
    assert len(raw) < 200_000


@pytest.mark.skipif(not default_model_path().exists(), reason="default model not built")
def test_default_model_loads_and_classifies():
    model = load_model()
    card = read_card()
    assert model.card_["labels"] == card["labels"]
    pred = model.classify("Sudah 6 bulan e-KTP saya belum jadi padahal sudah rekam")
    assert pred.label == "penundaan_berlarut"


def test_skops_format_round_trip_without_pickle(model, tmp_path):
    pytest.importorskip("skops")
    path = save_model(model, tmp_path / "m.skops", format="skops")
    card = read_card(path)
    assert card["serialization"] == "skops"
    again = load_model(path)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_skops_refuses_untrusted_types(model, tmp_path):
    sio = pytest.importorskip("skops.io")
    import hashlib
    from fractions import Fraction

    path = save_model(model, tmp_path / "m.skops", format="skops")
    sio.dump(Fraction(1, 3), path)  # a type outside the allow-list
    cpath = card_path(path)
    card = json.loads(cpath.read_text())
    card["model_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _resave_card(cpath, card)
    with pytest.raises(ModelFormatError, match="does not trust"):
        load_model(path, estimator=True)


def test_unknown_save_format(model, tmp_path):
    with pytest.raises(ValueError, match="format must be"):
        save_model(model, tmp_path / "m.x", format="pickle")


def test_missing_default_model_message_says_what_to_do(monkeypatch, tmp_path):
    import maladmin_nlp.persistence as persistence

    monkeypatch.setattr(persistence, "default_model_path", lambda: tmp_path / "none" / "model.joblib")
    with pytest.raises(FileNotFoundError, match="reinstall maladmin-nlp or train one"):
        load_model()


# --------------------------------------------------------------------------- refused before unpickling
class _Planted:
    """Unpickling this creates ``path``: proof that pickle ran code from the file."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _plant(model_file, marker):
    """Replace a model file by a pickle that runs code when loaded; return the file's SHA-256."""
    import hashlib

    import joblib

    joblib.dump(_Planted(marker), model_file)
    return hashlib.sha256(model_file.read_bytes()).hexdigest()


def _edit_card(saved, **fields):
    cpath = card_path(saved)
    card = json.loads(cpath.read_text(encoding="utf-8"))
    card.update(fields)
    return cpath, card


@pytest.mark.parametrize(
    ("case", "error", "match"),
    [
        ("tampered", ModelIntegrityError, "does not match its model card"),
        ("truncated", ModelIntegrityError, "does not match its model card"),
        ("edited-card", ModelIntegrityError, "was edited after the model was saved"),
        ("unknown-format-version", ModelFormatError, "card format version 2"),
        ("unknown-serialization", ModelFormatError, "names the serialization 'pickle'"),
    ],
)
def test_nothing_is_unpickled_before_the_checks(saved, tmp_path, case, error, match):
    marker = tmp_path / "code_ran"
    digest = _plant(saved, marker)
    if case == "tampered":  # the card still describes the real model
        pass
    elif case == "truncated":  # the card names the planted file's hash, but the file was cut short
        cpath, card = _edit_card(saved, model_sha256=digest)
        _resave_card(cpath, card)
        saved.write_bytes(saved.read_bytes()[:-7])
    elif case == "edited-card":  # someone pointed the card at the new file by hand
        cpath, card = _edit_card(saved, model_sha256=digest)
        cpath.write_text(json.dumps(card))
    elif case == "unknown-format-version":
        cpath, card = _edit_card(saved, model_sha256=digest, format_version=2)
        _resave_card(cpath, card)
    else:
        cpath, card = _edit_card(saved, model_sha256=digest, serialization="pickle")
        _resave_card(cpath, card)
    with pytest.raises(error, match=match):
        load_model(saved, estimator=True)
    assert not marker.exists(), "the file was unpickled before it was refused"


def test_the_planted_file_does_run_code_once_the_checks_pass(saved, tmp_path):
    """The control of the test above (and the documented limit: a joblib file is a pickle)."""
    marker = tmp_path / "code_ran"
    cpath, card = _edit_card(saved, model_sha256=_plant(saved, marker))
    _resave_card(cpath, card)
    with pytest.raises(ModelFormatError, match="not a maladmin_nlp ComplaintClassifier"):
        load_model(saved, estimator=True)
    assert marker.exists()


@pytest.mark.parametrize(
    "edit",
    [
        {"labels": ["penundaan_berlarut", "tidak_patut"]},
        {"metrics": {"macro_f1": 0.99}},
        {"training_data": {"n_samples": 1_000_000}},
        {"created": "2020-01-01T00:00:00+00:00"},
    ],
    ids=["labels", "metrics", "training_data", "created"],
)
def test_any_edit_of_the_card_is_refused(saved, edit):
    cpath, card = _edit_card(saved, **edit)
    cpath.write_text(json.dumps(card, indent=2))
    with pytest.raises(ModelIntegrityError, match=r"card .* was edited after the model was saved"):
        load_model(saved)
    with pytest.raises(ModelIntegrityError):
        read_card(saved)


def test_a_card_without_its_own_hash_is_still_read(model, saved):
    """Cards written before ``card_sha256`` existed (like the shipped default model's) still load."""
    cpath, card = _edit_card(saved)
    del card["card_sha256"]
    cpath.write_text(json.dumps(card))
    again = load_model(saved)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_saved_card_hash_covers_every_other_field(saved):
    card = read_card(saved)
    assert card["card_sha256"] == _card_digest(card)
    assert card["serialization"] == "joblib"


def test_a_card_naming_a_compact_file_elsewhere_is_refused(saved):
    cpath, card = _edit_card(saved, compact_file="../elsewhere.compact.npz")
    _resave_card(cpath, card)
    with pytest.raises(ModelFormatError, match="outside its folder"):
        load_model(saved)
