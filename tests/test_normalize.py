import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from maladmin_nlp import redact
from maladmin_nlp.normalize import (
    PII_TOKENS,
    clean_text,
    load_slang_lexicon,
    load_stopwords,
    mask_pii,
    normalize_slang,
    replace_entities,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pelayanannya <b>lamaaaa</b> bgt", "pelayanannya lama bgt"),
        ("cek https://lapor.go.id/x?id=1 dan www.contoh.id", "cek dan"),
        ("A&amp;B &lt;3", "a&b <3"),
        ("tab\tdan\nbaris   baru", "tab dan baris baru"),
        ("teks\\ndengan\\nbackslash-n", "teks dengan backslash-n"),
        ("zero\u200bwidth\u202eRTL", "zerowidthrtl"),
        ("ＦＵＬＬ　ＷＩＤＴＨ", "full width"),
        ("kesal 😡😡", "kesal marah marah"),
        ("belum jadi2 juga", "belum jadi-jadi juga"),
        ("<script>alert(1)</script>halo", "halo"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_can_remove_emoji():
    assert clean_text("ok 👍🙏", emoji="remove") == "ok"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NIK 3578011203850002 ya", "NIK [NIK] ya"),
        ("nik: 3578 0112 0385 0002", "nik: [NIK]"),
        ("KK 3201.0123.4567.0002.", "KK [NIK]."),
        ("hp 081234567890", "hp [TELEPON]"),
        ("wa 0812-3456-7890", "wa [TELEPON]"),
        ("telp +62 812 3456 7890", "telp [TELEPON]"),
        ("hubungi 6281234567890", "hubungi [TELEPON]"),
        ("kantor (021) 555-1234", "kantor [TELEPON]"),
        ("email budi.santoso@gmail.com", "email [EMAIL]"),
        ("no rek BCA 1234567890 a.n. Ani", "no rek BCA [REKENING] a.n. Ani"),
        ("rekening bri: 0123-01-000123-50-3", "rekening bri: [REKENING]"),
        ("motor B 1234 XYZ hilang", "motor [NOPOL] hilang"),
        ("mobil AB1234CD", "mobil [NOPOL]"),
    ],
)
def test_redact_masks_personal_data(raw, expected):
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "RT 05 RW 03 kelurahan Sukamaju",
        "tanggal 12/03/2024 jam 08.30",
        "biaya Rp 1.250.000 dan 500 ribu",
        "sudah 3 bulan menunggu sejak 2023",
        "lulusan S1 dan S2",
        "jalan nomor 12 gang 3",
        "antrean nomor 45 dari 120",
    ],
)
def test_redact_leaves_ordinary_numbers(text):
    assert redact(text) == text


def test_pii_never_survives_masking_tokens():
    text = "NIK 3578011203850002 hp 081234567890 email a@b.co"
    masked = mask_pii(text, PII_TOKENS)
    assert not re.search(r"\d{6,}", masked)
    assert "<nik>" in masked and "<telepon>" in masked and "<email>" in masked


def test_redact_refuses_non_text():
    with pytest.raises(TypeError, match="expects a str"):
        redact(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("bayar rp 500.000", ["<uang>"]),
        ("bayar rp500rb", ["<uang>"]),
        ("bayar 500 ribu", ["<uang>"]),
        ("bayar 2 jt", ["<uang>"]),
        ("bayar 1,5 juta", ["<uang>"]),
        ("bayar lima ratus ribu", ["<uang>"]),
        ("bayar rp. 1.250.000,-", ["<uang>"]),
        ("bayar 50k", ["<uang>"]),
        ("nunggu 3 bulan", ["<durasi>"]),
        ("nunggu 2 mgg", ["<durasi>"]),
        ("nunggu dua minggu", ["<durasi>"]),
        ("nunggu 14 hari kerja", ["<durasi>"]),
        ("sejak 12/03/2024", ["<tanggal>"]),
        ("sejak 5 agustus 2023", ["<tanggal>"]),
        ("sejak tahun 2021", ["<tanggal>"]),
        ("di rt 05", ["<angka>"]),
    ],
)
def test_replace_entities(raw, tokens):
    out = replace_entities(raw)
    assert re.findall(r"<[a-z]+>", out) == tokens


def test_replace_entities_switches():
    assert replace_entities("rp 500 dan 3 bulan", money=False, durations=False, numbers=False) == (
        "rp 500 dan 3 bulan"
    )


def test_slang_lexicon_is_large_and_covers_complaint_words():
    lex = load_slang_lexicon()
    assert len(lex) >= 400
    for informal, standard in [
        ("yg", "yang"),
        ("gak", "tidak"),
        ("ga", "tidak"),
        ("nggak", "tidak"),
        ("ngga", "tidak"),
        ("tdk", "tidak"),
        ("gk", "tidak"),
        ("udh", "sudah"),
        ("sdh", "sudah"),
        ("udah", "sudah"),
        ("blm", "belum"),
        ("bln", "bulan"),
        ("thn", "tahun"),
        ("krn", "karena"),
        ("dgn", "dengan"),
        ("utk", "untuk"),
        ("sy", "saya"),
        ("gw", "saya"),
        ("bpk", "bapak"),
        ("kel", "kelurahan"),
        ("kec", "kecamatan"),
        ("kab", "kabupaten"),
        ("e-ktp", "ktp"),
        ("ektp", "ktp"),
        ("ktp-el", "ktp"),
        ("ortu", "orang tua"),
    ]:
        assert lex[informal] == standard


def test_stopwords_keep_negations_and_signal_words():
    sw = load_stopwords()
    for word in ["tidak", "tak", "belum", "bukan", "tanpa", "kurang", "masih", "sudah", "lama", "minta",
                 "diminta", "pihak", "memihak", "harus", "mohon", "kapan", "berapa"]:
        assert word not in sw
    for word in ["yang", "dan", "di", "ke", "dari", "ini", "itu"]:
        assert word in sw


def test_normalize_slang():
    assert normalize_slang("sy udh lapor tp gk ditanggapin") == "saya sudah lapor tapi tidak ditanggapi"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_text_never_raises_is_idempotent_and_has_single_spaces(text):
    once = clean_text(text)
    assert "  " not in once
    assert once == once.strip()
    assert clean_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_redact_never_raises(text):
    assert isinstance(redact(text), str)


@pytest.mark.parametrize(
    "text",
    [
        "\\R",  # a literal "\R" is a "\r" once lower-cased
        "Http://x.id/a b",
        "WwW.x.id/lapor b",
        "&lt;b&gt;x",
        "&amp;lt;b&amp;gt;x",
        "<a<b>>x",
        "&NBSP;x",
        "<\u200bb>x",
        "http:\u200b//x.id/a b",
    ],
)
def test_clean_text_is_idempotent_on_markup_it_uncovers(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert "<" not in once and "://" not in once and "\\" not in once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("be\x1blum jadi", "belum jadi"),  # inside a word: dropped, like a zero-width space
        ("be\x00lum", "belum"),
        ("be\u200blum", "belum"),
        ("sudah\x0b3\x0cbulan", "sudah 3 bulan"),  # whitespace-like controls separate words
        ("ktp\x1cbelum\x1fjadi", "ktp belum jadi"),
        ("<\x01b>x", "x"),  # a tag that dropping the control character completes
    ],
)
def test_control_characters(text, expected):
    assert clean_text(text) == expected


_DIGITISH = st.text(alphabet=st.sampled_from([*"ab 0123456789.-/", "٣", "é", "😀", "\n"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_DIGITISH, st.data())
def test_digit_runs_are_the_regex_runs(text, data):
    """The masking windows start from _digit_runs: on ASCII text it finds runs with bytes.find,
    which must give exactly what a regular expression gives, inside any regions that cut no run."""
    from itertools import pairwise

    from maladmin_nlp.normalize import _digit_runs

    pattern = re.compile(r"[0-9]+" if text.isascii() else r"\d+")
    cuts = sorted({0, len(text)} | set(data.draw(st.lists(st.integers(0, len(text)), max_size=3))))
    # move each cut out of a digit run (regions never cut one)
    cuts = sorted({c for c in cuts if c in (0, len(text)) or not (text[c - 1].isdigit() and text[c].isdigit())})
    regions = [(a, b) for a, b in pairwise(cuts) if data.draw(st.booleans()) or len(cuts) == 2]
    expected = [m.span() for start, end in regions for m in pattern.finditer(text, start, end)]
    assert _digit_runs(text, regions) == expected


# pieces that exercise every masking and entity pattern, their keywords and what stops them
_PII_PIECES = [
    *" 0123456789", ".", "-", " ", "  ", "(", ")", "+", ",", "/", "\n", "é", "٣",
    "08", "0812", "62", "+62", "(+62)", "(021)", "0274", "3456", "7890", "16", "2024", "1.250.000", "300rb",
    "3578011203850002", "3578 0112 0385 0002", "rek", "no rek", "norek", "rekening", "bri", "BCA", "a.n.",
    "a/n", "atas nama", "nik", "NIK", "kk", "ktp", "hp", "wa", "telp", "rp", "ribu", "jt", "tgl",
    "B", "AB", "ab", "DK", "L", "S", "D", "rt", "rw", "no", "xyz", "XYZ", "cd", "dan", "motor", "plat",
    "hari", "bulan", "jam", "januari", "dua", "lima", "ratus", "minggu", "x", "siti@contoh.id", "@",
    "nisn", "NISN", "0087341265", "35.78.050.002.009-0970.0", "3578-LT-10102020-0043", "LT", "12345678901234567",
    "nib", "NIB", "11.29.10.06.00092", "9120001234567",
]  # fmt: skip


_NUMBER_PIECES = [
    *"0123456789", "08", "0812", "62", "+62", "(+62)", "(021)", "(01)", "0274", "(812)", "3456", "7890", "1.250",
    " ", "  ", " - ", "-", ".", "(", ")", "+", "\n", "\t", "/", ",", "a", "nik ", "kk", "rt ",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_NUMBER_PIECES), max_size=30).map("".join))
@example("(+62) - (812) - 3456 - 7890")
@example("nik 3578 0112 0385 00")
@example("12.34-56")  # six in a row across two separators
@example("123 456\n7")  # a newline joins a group but breaks a row
def test_a_phone_or_nik_lies_in_one_group_of_digit_runs(text):
    """mask_pii searches for phones and NIKs only when _number_groups finds a group of digit runs
    with enough digits: every match must have its digits in one group, and 8+ (12+ after a keyword).
    Its second answer, six digits in a row, must be exactly whether _SIX_DIGITS_RE matches."""
    from maladmin_nlp.normalize import _NIK_KEYWORD_RE, _NIK_PHONE_RE, _SIX_DIGITS_RE, _digit_runs, _number_groups

    longest, six = _number_groups(text, _digit_runs(text, [(0, len(text))]))
    for pattern, group, least in ((_NIK_PHONE_RE, 0, 8), (_NIK_KEYWORD_RE, "num", 12)):
        for m in pattern.finditer(text):
            digits = sum(c.isdigit() for c in m.group(group))
            assert least <= digits <= longest, (m.group(0), digits, longest)
    assert six == (_SIX_DIGITS_RE.search(text) is not None)


def _whole_text_mask(text, ph):
    """mask_pii as plain whole-text substitutions, without its digit windows and gates."""
    from maladmin_nlp import normalize as n

    text = n._EMAIL_RE.sub(ph["email"], text)
    text = n._IDENTITY_RE.sub(lambda m: (m.group("kw") or "") + ph["identitas"], text)
    text = n._ACCOUNT_RE.sub(lambda m: n._account_sub(m, ph["rekening"]), text)
    text = n._NIK_PHONE_RE.sub(lambda m: ph["nik"] if m.group("nik") else ph["telepon"], text)
    text = n._NIK_KEYWORD_RE.sub(lambda m: m.group("kw") + ph["nik"], text)
    return n._PLATE_RE.sub(lambda m: n._plate_sub(m, ph["nopol"]), text)


def _whole_text_entities(text):
    from maladmin_nlp import normalize as n

    return n._WORD_ENTITY_RE.sub(n._entity_repl, n._NUMERIC_RE.sub(n._entity_repl, text))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PII_PIECES), max_size=40).map("".join))
@example("nomor NISN anak saya: 0087341265, adiknya nisn0112345678")  # the keyword up to 15 characters away
@example("NOP no35-78-090-004-006-0336-0 dan akta 3578-LT-10102020-0043")
@example("NIB : 11.29.10.06.00092 (a land parcel), the only number in the text")
@example("telp kantor (021) 5551234 atau 0274 512345, rt 01/rw 05")  # landlines: 10 and 10 digits
@example("telp (01) 234 567")  # the shortest landline: 8 digits
@example("(+62) - (812) - 3456 - 7890")  # the widest gaps between a phone's digits: 5 characters
@example("nib9120001234567 dan NIB 12345678901234")
def test_masking_and_entities_equal_whole_text_substitution(text):
    """mask_pii searches each pattern only near digits, after cheap gates (enough digits, an
    account keyword, a plate code before a short number): it must give what substituting each
    pattern over the whole text gives. The same for replace_entities, up to whitespace."""
    from maladmin_nlp.normalize import PII_PLACEHOLDERS

    assert mask_pii(text) == _whole_text_mask(text, PII_PLACEHOLDERS)
    assert mask_pii(text, PII_TOKENS) == _whole_text_mask(text, PII_TOKENS)
    lower = text.lower()
    assert replace_entities(lower).split() == _whole_text_entities(lower).split()
