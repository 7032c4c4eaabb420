import pytest

from maladmin_nlp import LABELS, TAXONOMY_VERSION, get_label
from maladmin_nlp.taxonomy import all_labels, label_name

EXPECTED = (
    "penundaan_berlarut",
    "tidak_memberikan_pelayanan",
    "penyimpangan_prosedur",
    "penyalahgunaan_wewenang",
    "tidak_kompeten",
    "permintaan_imbalan",
    "tidak_patut",
    "diskriminasi",
    "berpihak",
    "konflik_kepentingan",
    "bukan_maladministrasi",
)


def test_labels_are_the_eleven_stable_ids_in_order():
    assert LABELS == EXPECTED
    assert isinstance(LABELS, tuple)


@pytest.mark.parametrize("label_id", EXPECTED)
def test_every_label_has_names_and_a_definition(label_id):
    label = get_label(label_id)
    assert label.id == label_id
    assert label.name_id and label.name_en
    assert len(label.definition.split()) >= 30
    assert label.is_maladministration == (label_id != "bukan_maladministrasi")


def test_unknown_label_error_lists_valid_ids():
    with pytest.raises(KeyError, match="penundaan_berlarut"):
        get_label("pengabaian_kewajiban_hukum")


def test_schema_version_and_records():
    assert TAXONOMY_VERSION == "1"
    assert [label.id for label in all_labels()] == list(EXPECTED)


def test_label_name_falls_back_to_the_id_for_custom_labels():
    assert label_name("diskriminasi") == "Diskriminasi"
    assert label_name("custom") == "custom"
