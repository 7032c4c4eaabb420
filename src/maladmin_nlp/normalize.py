"""Text clean-up for Indonesian complaints: Unicode, HTML, slang, PII masking and entity tokens.

Every step is a plain function of a string, so it can be used on its own; the
:class:`~maladmin_nlp.preprocessing.IndonesianPreprocessor` chains them for the model.

All regular expressions here are written to run in time linear in the input: every
repetition is either of a single character class or bounded, and none nests an unbounded
repetition inside another (see ``tests/test_redos.py``).

Examples
--------
>>> from maladmin_nlp.normalize import redact
>>> redact("NIK saya 3578 0112 3456 0001, hp 0812-3456-7890")
'NIK saya [NIK], hp [TELEPON]'
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources

__all__ = [
    "ENTITY_TOKENS",
    "MAX_CHARS",
    "PII_PLACEHOLDERS",
    "PII_TOKENS",
    "clean_text",
    "load_courtesy_words",
    "load_slang_lexicon",
    "load_stem_exceptions",
    "load_stopwords",
    "mask_pii",
    "normalize_slang",
    "redact",
    "replace_entities",
]

MAX_CHARS = 20_000
"""Longest text, in characters, that the model pipeline reads; the rest is cut off.

Real complaints are far shorter (the longest of 12,530 in a city archive has 8,471 characters);
the cap keeps a pasted document from costing seconds. :func:`redact` does not truncate.
"""

PII_PLACEHOLDERS = {
    "nik": "[NIK]",
    "telepon": "[TELEPON]",
    "email": "[EMAIL]",
    "rekening": "[REKENING]",
    "nopol": "[NOPOL]",
    "identitas": "[IDENTITAS]",
}
"""Readable placeholders used by :func:`redact`."""

PII_TOKENS = {kind: f" <{kind}> " for kind in PII_PLACEHOLDERS}
"""Tokens used by the model pipeline (one token each, never stemmed)."""

ENTITY_TOKENS = ("<uang>", "<durasi>", "<tanggal>", "<angka>")
"""Tokens for money amounts, durations, dates and remaining numbers."""

# ---------------------------------------------------------------------------
# 1. clean-up
# ---------------------------------------------------------------------------

_TAG_RE = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9]{0,20})\b[^<>]{0,2000}>|<!--.{0,5000}?-->", re.S)
_SCRIPT_RE = re.compile(r"<(script|style)\b[^>]{0,2000}>.{0,100000}?</\1\s{0,5}>", re.S | re.I)
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']{1,2000}", re.I)
_LITERAL_NEWLINE_RE = re.compile(r"\\[nrt]", re.I)
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
_REPEAT_ASCII_RE = re.compile(r"([A-Za-z])\1\1+")
_SPACE_RE = re.compile(r"\s+")
# control, format (zero-width, bidi), private-use, surrogate, unassigned
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})

_EMOJI_WORDS = {
    "😡": " marah ",
    "😠": " marah ",
    "🤬": " marah ",
    "😤": " kesal ",
    "😢": " sedih ",
    "😭": " sedih ",
    "😞": " kecewa ",
    "😔": " kecewa ",
    "🙏": " mohon ",
    "👍": " bagus ",
    "👎": " buruk ",
}


def _is_emoji_or_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or 0x1F000 <= ord(ch) <= 0x1FAFF


@lru_cache(maxsize=4096)
def _char_action(ch: str) -> str:
    """What to do with one non-ASCII character: keep it, map it, or drop it (cached per character)."""
    if ch in _EMOJI_WORDS:
        return _EMOJI_WORDS[ch]
    cat = unicodedata.category(ch)
    if cat in _DROP_CATEGORIES:
        return " " if ch in "\u2028\u2029\u0085" else ""
    if _is_emoji_or_symbol(ch):
        return " "
    return ch


def clean_text(text: str, *, lowercase: bool = True, emoji: str = "map") -> str:
    """Unicode NFKC, HTML, URLs, elongated letters, emoji and whitespace.

    Parameters
    ----------
    text : str
        Raw complaint.
    lowercase : bool, default=True
        Lower-case the result.
    emoji : {"map", "remove"}, default="map"
        ``"map"`` turns a few emoji that carry a complaint's tone into words (😡 -> ``marah``,
        🙏 -> ``mohon``); ``"remove"`` drops every emoji.

    Returns
    -------
    str
        Cleaned text: no HTML tags or entities, no URLs, no control or zero-width characters,
        letters repeated three or more times reduced to one, single spaces.

    Examples
    --------
    >>> clean_text("Pelayanannya <b>lamaaaa</b> bgt!!! https://x.id/a 😡")
    'pelayanannya lama bgt! marah'
    """
    head = _clean_head(text)
    text = _clean_tail(head, lowercase, emoji)
    if not _may_hold_markup(head):
        return text
    # Clean-up can expose markup it would remove on a second look: "&amp;lt;b&amp;gt;" unescapes to
    # "&lt;b&gt;", a zero-width space inside "<b>" hides the tag until it is dropped, "&NBSP;" is an
    # entity once lower-cased. Look again until nothing changes.
    for _ in range(_MAX_PASSES):
        again = _clean_tail(_clean_head(text), lowercase, emoji)
        if again == text:
            break
        text = again
    return text


_MAX_PASSES = 8


def _may_hold_markup(text: str) -> bool:
    """Whether :func:`_clean_head` could still change ``text``, or could once :func:`_clean_tail`
    has run: lower-casing, dropping zero-width characters and squeezing repeated letters can
    complete an entity (``&ammmp;``), a literal escape, a tag (``<`` zero-width space ``b>``) or a URL (``htttp://``)."""
    if "\\" in text or "://" in text:
        return True
    amp, lt, colon = "&" in text, "<" in text, ":" in text and "/" in text
    if not (amp or lt or colon):
        return False
    if not text.isascii() or _ASCII_CONTROL_RE.search(text):  # dropped characters can join anything
        return True
    # the tail lower-cases and squeezes repeats ("&ammmp;", "<!!!--"), it joins nothing here
    return (amp and _AMP_WORD_RE.search(text) is not None) or (lt and "<!" in text)


_AMP_WORD_RE = re.compile(r"&#?[A-Za-z0-9]")


def _clean_head(text: str) -> str:
    """The steps of :func:`clean_text` that look across whitespace: NFKC, HTML, URLs, ``\\n``.

    Repeated until nothing changes, so nested or doubly-escaped markup goes too (at most
    ``_MAX_PASSES`` passes, each linear in the length of the text).
    """
    for _ in range(_MAX_PASSES):
        before = text
        if not text.isascii():  # NFKC leaves ASCII unchanged
            text = unicodedata.normalize("NFKC", text)
        if "&" in text:
            text = _unescape(text)
        if "<" in text:
            text = _SCRIPT_RE.sub(" ", text)
            text = _TAG_RE.sub(" ", text)
        if "://" in text or "w." in text or "W." in text:
            text = _URL_RE.sub(" ", text)
        if "\\" in text:
            text = _LITERAL_NEWLINE_RE.sub(" ", text)
        if text == before:
            break
    return text


_ENTITY_RE = re.compile(r"&#?[A-Za-z0-9]{1,32};?")


def _unescape(text: str) -> str:
    """HTML entities, also when written in capitals (``&NBSP;``, which lower-casing would revive)."""
    text = html.unescape(text)
    if "&" in text:
        text = _ENTITY_RE.sub(lambda m: html.unescape(m.group().lower()), text)
    return text


def _clean_tail(text: str, lowercase: bool = True, emoji: str = "map") -> str:
    """The rest of :func:`clean_text`; it works within whitespace-separated chunks only.

    So ``_clean_tail(text) == " ".join(filter(None, map(_clean_tail, text.split())))``, which
    lets :class:`~maladmin_nlp.preprocessing.IndonesianPreprocessor` cache it per chunk.
    """
    if not text.isprintable():
        # control characters inside a word ("be\x1blum") go, as zero-width ones do; the
        # whitespace-like ones (\x0b, \x0c, \x1c-\x1f) separate words, as str.split() has it
        text = _ASCII_CONTROL_RE.sub("", text)
    ascii_only = text.isascii()
    if not ascii_only:
        if emoji == "remove":
            text = "".join((" " if ch in _EMOJI_WORDS else _char_action(ch)) if ord(ch) > 127 else ch for ch in text)
        else:
            text = "".join(_char_action(ch) if ord(ch) > 127 else ch for ch in text)
    if lowercase:
        text = text.lower()
    text = _REPEAT_ASCII_RE.sub(r"\1", text) if ascii_only else _REPEAT_RE.sub(r"\1", text)
    text = _REPEAT_PUNCT_RE.sub(r"\1", text)
    if "2" in text:
        text = _REDUP_RE.sub(r"\1-\1", text)
    return " ".join(text.split())


_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_REPEAT_PUNCT_RE = re.compile(r"([!?.,])\1+")
# reduplication written with a 2: "jadi2" -> "jadi-jadi"
_REDUP_RE = re.compile(r"\b([^\W\d_]{2,})2\b")

# ---------------------------------------------------------------------------
# 2. PII masking
# ---------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])(?=[\w.+-]{1,64}@)[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5}")
_DIGIT_RE = re.compile(r"\d")
# Bank accounts: a keyword (rek, rekening, norek, a/c or a bank's name), up to 40 non-digit
# characters ("BRI", "a.n.", ":"), then 6-20 digits; or 6-20 digits followed by "a.n."/"atas nama".
_BANKS = (
    r"bank|bri|bni|bca|bsi|btn|bjb|bpd|btpn|mandiri|cimb|danamon|permata|muamalat|ocbc|panin|maybank|"
    r"jenius|seabank"
)
# cheap gates: an account needs six digits in a row, then one of the keywords (the lookarounds make the
# scan fast); _number_groups finds the six digits from the digit runs, exactly where this pattern matches
_SIX_DIGITS_RE = re.compile(r"\d(?:[ .-]?\d){5}")
_ACCOUNT_HINT_RE = re.compile(
    rf"(?<![a-z])(?=[abcdjmnoprs])(?:rek|norek|acc|a/c|a\.\s?n\b|a/n|an\.|atas\snama|{_BANKS})", re.I
)
# the same on lower-cased ASCII text with a space in front: a leading character set lets the
# engine skip ahead quickly, where the lookbehind above makes it try every position
_ACCOUNT_HINT_LOWER_RE = re.compile(rf"[^a-z](?:rek|norek|acc|a/c|a\.\s?n\b|a/n|an\.|atas\snama|{_BANKS})")


def _has_account_hint(text: str) -> bool:
    if text.isascii():
        return _ACCOUNT_HINT_LOWER_RE.search(" " + text.lower()) is not None
    return _ACCOUNT_HINT_RE.search(text) is not None


_ACCOUNT_RE = re.compile(
    r"(?=[abcdjmnoprs])(?<![a-z])(?P<kw>(?:no(?:mor)?\.?\s{0,3}rek(?:ening)?|norek|rekening(?:nya|ku|mu)?|rek|"
    r"acc(?:ount)?|a/c|"
    rf"{_BANKS})\b[^\d\n]{{0,40}}?)(?P<num>\d(?:[ .-]?\d){{5,19}})(?!\d)"
    r"|(?=\d)(?<![\w.+-])(?<!\d\s)(?P<num2>\d(?:[ .-]?\d){5,19})"
    r"(?=\s{0,3}\(?(?:a\.\s?n\b|a/n\b|an\.|atas\s{1,3}nama\b))",
    re.I,
)
# words before the number that show it is a NIK or a phone, or (between keyword and number) money or a date
_ACCOUNT_OTHER_KIND_RE = re.compile(
    r"(?<![a-z])(?=[hknptw])(?:nik|kk|ktp|hp|wa|whatsapp|telp|tlp|telepon|hubungi|kontak)(?![a-z])", re.I
)
_ACCOUNT_GAP_STOP_RE = re.compile(r"(?<![a-z])(?=[jprt])(?:rp|tgl|tanggal|jam|pukul)(?![a-z])", re.I)
# a number that is money (2.500.000, 500.000,-, 150 ribu) or a date (12-03-2024), not an account
_NOT_ACCOUNT_RE = re.compile(
    r"\d{1,3}(?:[.,]\d{3}){1,4}(?:,\d{1,2})?|\d{1,2}[.-]\d{1,2}[.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
)
_MONEY_AFTER_RE = re.compile(r"\s?(?=[rjk,.])(?:rb|ribu|jt|juta|k\b|,-|\.-)", re.I)
# NIK / KK: 16 digits, optionally grouped with spaces, dots or dashes.
# Phones: mobile 08.., +62 8.., (+62) 8.., 62 8.. grouped with spaces, dots or dashes ("0812 - 3456");
# landlines with an area code: (021) 5551234, 031-5678123, 0274 512345, +62 21 5551234.
# The number may follow a letter and a dot ("Hp.0812..."), not a digit and a dot (decimals).
_PHONE_SEP = r"(?:\s?[.-]\s?|\s)?"
_NIK_PHONE_RE = re.compile(
    r"(?<![\w+-])(?<!\d\.)(?=[\d+(])(?:"
    r"(?P<nik>\d(?:[ .-]?\d){15})(?!\d)"
    r"|(?P<phone>"
    rf"(?:\(\+?62\)|\+62|62|0){_PHONE_SEP}\(?8\d{{1,2}}\)?(?:{_PHONE_SEP}\d){{6,10}}(?!\d)"
    r"|(?:\(\+?62\)|\+62)[ .-]?\(?[1-79]\d{0,2}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\d)"
    r"|(?:\(0\d{1,3}\)|0[2-9]\d{1,2})[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\d)"
    r"))"
)
# NIK / KK of any length after its keyword, also glued to it ("NIK3578...", a 15-digit typo)
_NIK_KEYWORD_RE = re.compile(
    r"(?<![a-z])(?P<kw>(?:nik|kk|e-?ktp|ktp|nomor induk kependudukan)(?![a-z])[^\d\n]{0,15}?)"
    r"(?P<num>\d(?:[ .-]?\d){11,19})(?!\d)",
    re.I,
)
# other identity numbers: a student's NISN and a land parcel's or business's NIB (after their
# keyword), a PBB tax object number (NOP, 18 digits grouped 2.2.3.3.3-4.1), a birth/death
# certificate number (3578-LT-10102020-0043), and any run of 17+ digits (longer than a NIK: a
# mistyped NIK, a membership or reference number)
_IDENTITY_RE = re.compile(
    # after "nisn"/"nib": a NISN's 10 digits, a business NIB's 13, a land NIB's 14 (or 2.2.2.2.5)
    r"(?<![a-z])(?P<kw>(?:nisn|nib)(?![a-z])[^\d\n]{0,15}?)"
    r"(?:\d{10}|\d{13,14}|\d{2}[.-]\d{2}[.-]\d{2}[.-]\d{2}[.-]\d{5})(?!\d)"
    r"|(?<!\d)\d{2}[.-]\d{2}[.-]\d{3}[.-]\d{3}[.-]\d{3}[.-]\d{4}[.-]\d(?!\d)"
    r"|(?<![a-z0-9])\d{4}-[a-z]{2}-\d{8}-\d{4}(?!\d)"
    r"|(?<!\d)\d{17,}",
    re.I,
)
# vehicle plates: region code (1-2 letters), 1-4 digits, 1-3 letters; code and suffix are checked in Python
_PLATE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<code>[A-Za-z]{1,2})[ .-]?(?P<num>\d{1,4})[ .-]?(?P<suffix>[A-Za-z]{1,3})\b"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PLATE_CODES = _words(
    "a b d e f g h k l m n p r s t w z aa ab ad ae ag ba bb bd be bg bh bk bl bm bn bp da db dc dd de dg dh "
    "dk dl dm dn dr ds dt ea eb ed kb kh kt ku pa pb"
)
# words that may follow "<letter> <number>" without being a plate suffix
_NOT_PLATE_SUFFIX = _words(
    "dan di ke yg ini itu jam kg km hari hr rb jt org thn th bln mg ml cm m x ok sd smp sma rt rw no ya sy "
    "aku dr dgn utk tdk gak ga gk pak bu kab kec kel ds jl gg per pun lah nya kan tak the and or to of in at "
    "on is kali lbr buah unit kwh mm cc tgl an a b c d e f g h i j k l n o p q r s t u v w y z "
    "pm am wib wit wita lt rp kb mb gb ribu juta thp "
    "ada apa dia mau sdh udh blm krn tp jg lg aja sj bgt pas via lwt sbg spt pd sm dlm bs bsa kok sih deh "
    "nih tuh loh lho yah iya oke gw lu lo kau mas mba mbk kak dek om cs smk mts ma nmr blk kav dsn dtk mnt "
    "pcs bh set dkk dsb dst dll ttg thd sbb tsb krg lbh dpn hrs msh mgg jln rs ibu bpk lagi ui itb its ipb "
    "ugm uny unj upi ub uns unm ut for by as it"
)
# a vehicle word shortly before "<code> <number> <suffix>" makes it a plate even with an unusual suffix
_PLATE_CONTEXT_RE = re.compile(
    r"(?<![a-z])(?=[abkmnopt])(?:plat|pelat|nopol|no\.?\s?pol|polisi|tnkb|kendaraan|motor|mobil|truk|truck|pick\s?up|pikap|"
    r"angkot|bus|taksi|ojol|ambulans)",
    re.I,
)
# with such a context, still not a plate when the "suffix" is one of these words
_PLATE_CONTEXT_NOT_SUFFIX = _words(
    "dan di ke yg ini itu dgn utk dr sdh tdk ya ada jam org thn th hr bln rb jt km kg cc wib wit am pm an"
)


def _account_sub(match: re.Match[str], placeholder: str) -> str:
    num = match.group("num") or match.group("num2")
    after = match.string[match.end() : match.end() + 6]
    if _NOT_ACCOUNT_RE.fullmatch(num) or _MONEY_AFTER_RE.match(after):
        return match.group(0)
    if match.group("num2"):
        # a mobile number followed by "a.n." is a phone: 0812..., 62812..., (+62) 812...
        digits = re.sub(r"\D", "", num)
        before = match.string[max(0, match.start() - 20) : match.start()]
        if digits.startswith(("08", "628")) or (digits.startswith("8") and "62" in before[-6:]):
            return match.group(0)
        return match.group(0) if _ACCOUNT_OTHER_KIND_RE.search(before) else placeholder
    kw = match.group("kw")
    if _ACCOUNT_OTHER_KIND_RE.search(kw) or _ACCOUNT_GAP_STOP_RE.search(kw):
        return match.group(0)
    return kw + placeholder


def _plate_sub(match: re.Match[str], placeholder: str) -> str:
    code, suffix = match.group("code").lower(), match.group("suffix").lower()
    if code not in _PLATE_CODES:
        return match.group(0)
    start = match.start()
    if _PLATE_CONTEXT_RE.search(match.string, max(0, start - 25), start):
        return match.group(0) if suffix in _PLATE_CONTEXT_NOT_SUFFIX else placeholder
    # "S1", "D3": a degree, not a plate
    degree = code in ("s", "d") and match.group("num") in ("1", "2", "3", "4") and match.group(0)[1].isdigit()
    return match.group(0) if degree or suffix in _NOT_PLATE_SUFFIX else placeholder


def mask_pii(text: str, placeholders: Mapping[str, str] | None = None) -> str:
    """Replace personal data with placeholders.

    Masks, in this order: e-mail addresses; identity numbers other than NIK (a student's ``NISN``,
    a land parcel's or business's ``NIB``, a PBB tax object number such as
    ``35.78.050.002.009-0970.0``, a birth or death certificate number such as
    ``3578-LT-10102020-0043``, any run of 17 or more digits); bank account numbers
    (after ``rek``, ``rekening``, ``no rek``, ``norek`` or a bank's name such as ``BRI`` or
    ``Bank Jatim``, or before ``a.n.``/``atas nama``); 16-digit NIK/KK numbers (also grouped with
    spaces, dots or dashes); phone numbers (``08..``, ``+62..``, ``(+62)..``, ``62..``, landlines
    with an area code such as ``(021) 5551234`` or ``0274 512345``); NIK/KK numbers of any length
    right after ``NIK``/``KK``; and vehicle plates (``B 1234 XYZ``, ``AB1234CD``, ``B-1234-XYZ``).
    Dates, money amounts and RT/RW numbers are left alone.

    Parameters
    ----------
    text : str
        Text to mask (any case).
    placeholders : mapping of str to str, default=None
        Replacement per kind (``nik``, ``telepon``, ``email``, ``rekening``, ``nopol``,
        ``identitas``).
        Defaults to :data:`PII_PLACEHOLDERS`.

    Returns
    -------
    str

    See Also
    --------
    redact : the same with readable placeholders, for sharing data.

    Examples
    --------
    >>> mask_pii("rek BRI 1234-01-567890-50-1 a.n. Siti, motor AB 1234 CD")
    'rek BRI [REKENING] a.n. Siti, motor [NOPOL]'
    """
    ph = PII_PLACEHOLDERS if placeholders is None else placeholders
    if "@" in text:
        text = _EMAIL_RE.sub(ph["email"], text)
    text, _ = _mask_digits(text, ph)
    return text


def _mask_digits(text: str, ph: Mapping[str, str]) -> tuple[str, list[tuple[int, int]]]:
    """The digit-bound part of :func:`mask_pii`; also returns the digit runs left in the result."""
    runs = _digit_runs(text, [(0, len(text))])
    if not runs:
        return text, runs
    n_digits = sum(end - start for start, end in runs)
    # accounts and keyword NIKs need six digits in a row, phones 8+ and NIKs 12+ digits in one group
    # of runs; masking replaces digits with placeholders that hold none, so a group can only lose
    # digits: these gates, computed once here, only ever skip a search that could not match
    longest, six_digits = _number_groups(text, runs) if n_digits >= 6 else (0, False)
    # first, so that a NOP or a 17+ digit number after "bank" or before "a.n." is not taken for an account
    if n_digits >= 8 and _may_hold_identity(runs):
        # (the gates below were computed before and may stay true: they only ever skip a search)
        identity = ph["identitas"]
        text, runs = _sub_near_digits(_IDENTITY_RE, lambda m: (m.group("kw") or "") + identity, text, runs, "identity")
    if six_digits and _has_account_hint(text):
        rekening = ph["rekening"]
        text, runs = _sub_near_digits(_ACCOUNT_RE, lambda m: _account_sub(m, rekening), text, runs, "account")
    nik, phone, nopol = ph["nik"], ph["telepon"], ph["nopol"]
    if longest >= 8:
        text, runs = _sub_near_digits(
            _NIK_PHONE_RE, lambda m: nik if m.group("nik") else phone, text, runs, "nik_phone"
        )
        if six_digits and longest >= 12 and runs:
            text, runs = _sub_near_digits(_NIK_KEYWORD_RE, lambda m: m.group("kw") + nik, text, runs, "nik_keyword")
    if _may_hold_plate(text, runs):
        text, runs = _sub_near_digits(_PLATE_RE, lambda m: _plate_sub(m, nopol), text, runs, "plate")
    return text, runs


# what may stand between two digit runs of one phone number or NIK: "0812 - 3456", "(+62) (812)"
_NUMBER_GAP_RE = re.compile(r"[\s.()+-]{1,5}")


def _number_groups(text: str, runs: list[tuple[int, int]]) -> tuple[int, bool]:
    """The most digits in one group of digit runs, and whether six digits stand in a row.

    A group is made of digit runs joined by short separators (``_NUMBER_GAP_RE``): a match of
    ``_NIK_PHONE_RE`` or ``_NIK_KEYWORD_RE`` holds only digits, whitespace and the characters
    ``.()+-``, at most five of them in a row, so its digits lie in one group; a phone number
    needs a group of 8 digits or more, a NIK one of 12 or more. "rt 01/rw 05 no 102, tgl 12/03"
    has 11 digits in five groups of at most 3, and is not searched. Six digits "in a row" have at
    most one of `` .-`` between each two (a match of ``_SIX_DIGITS_RE``), which an account number
    and a keyword NIK need. One pass over the runs gives both.

    Examples
    --------
    >>> text = "hp 0812-3456-7890, rt 01/rw 05"
    >>> _number_groups(text, _digit_runs(text, [(0, len(text))]))
    (12, True)
    """
    best = total = in_row = 0
    six = False
    prev_end = -1
    fullmatch = _NUMBER_GAP_RE.fullmatch
    for start, end in runs:
        n = end - start
        gap = start - prev_end
        if prev_end < 0 or gap > 5 or not fullmatch(text, prev_end, start):
            best = max(best, total)
            total = in_row = n
        else:
            total += n
            in_row = in_row + n if gap == 1 and text[prev_end] in " .-" else n
        if in_row >= 6:
            six = True
        prev_end = end
    return max(best, total), six


_NOP_RUNS = [2, 2, 3, 3, 3, 4, 1]
_NIB_RUNS = [2, 2, 2, 2, 5]


def _may_hold_identity(runs: list[tuple[int, int]]) -> bool:
    """False when ``_IDENTITY_RE`` cannot match a text with these digit runs.

    Each of its numbers is made of whole digit runs: a NISN is a run of exactly 10 digits, a NIB
    a run of 10, 13 or 14 digits or five runs of 2, 2, 2, 2 and 5, a long number a run of 17 or
    more, a certificate number holds a run of 8 (its date), and a NOP is seven runs of 2, 2, 3, 3,
    3, 4 and 1 digits with one separator between each. So each has 8 digits or more, and
    :func:`_mask_digits` asks only then.
    """
    lengths = [end - start for start, end in runs]
    for i, n in enumerate(lengths):
        if n in (8, 10, 13, 14) or n >= 17:
            return True
        if n == 2 and (
            (lengths[i : i + 7] == _NOP_RUNS and runs[i + 6][1] - runs[i][0] == 24)
            or (lengths[i : i + 5] == _NIB_RUNS and runs[i + 4][1] - runs[i][0] == 17)
        ):
            return True
    return False


# the code of a plate whose number starts where this pattern's search region ends
_PLATE_CODE_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2})[ .-]?\Z")


def _may_hold_plate(text: str, runs: list[tuple[int, int]]) -> bool:
    """False when no match of ``_PLATE_RE`` in ``text`` can become a placeholder.

    A match's number is a whole digit run of 1-4 digits (a letter or separator on each side),
    and its code is the 1-2 letters just before that run, optionally followed by one separator.
    :func:`_plate_sub` leaves a match alone unless its code is in ``_PLATE_CODES``, so if no short
    run has such a code, substituting would change nothing. Most archive numbers follow ``rt``,
    ``rw`` or ``no``: 86 of 3,770 archive complaints with digits pass this test.
    """
    search = _PLATE_CODE_RE.search
    for start, end in runs:
        if end - start <= 4:
            m = search(text, max(0, start - 4), start)
            if m is not None and m.group(1).lower() in _PLATE_CODES:
                return True
    return False


# Every match of the digit-bound patterns holds a digit, starts at most `left` characters before
# its first digit and looks at most `right` characters past its last one (lookarounds and the
# checks in _account_sub/_plate_sub included; lookbehinds see the whole string). Each pattern is
# therefore only searched in windows [first digit - left, last digit + right] around digit runs,
# which gives the same result as a pass over the whole text; the margins carry some slack.
_REACH = {
    # keyword (<= 17 chars) + gap (<= 40) before the number; "a.n." / "atas nama" (<= 16) after it
    "account": (64, 24),
    # "(+62" before the first digit
    "nik_phone": (8, 8),
    # "nomor induk kependudukan" (24) + gap (<= 15)
    "nik_keyword": (48, 8),
    # code (<= 2) + separator before; separator + suffix (<= 3) + \b after
    "plate": (8, 10),
    # "nisn"/"nib" + gap (<= 15) before the number; a certificate number's letters are between its digits
    "identity": (24, 4),
    # "rp.  " before; unit (<= 6 letters, months <= 9), "lebih"/"an" and separators after
    "numeric": (8, 24),
}
_RUN_RE = re.compile(r"\d+")
# ASCII digits -> b"1", every other byte -> b"0": the digit runs of ASCII text are then found with
# bytes.find (memchr) instead of a regular expression, which tries every position: 8.3 -> 5.1 us
# per archive text (measured, benchmarks/README.md)
_DIGIT_BYTES = bytes(49 if 48 <= b <= 57 else 48 for b in range(256))


def _digit_runs(text: str, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of the digit runs inside ``regions`` (which must not cut a run)."""
    if not text.isascii():
        finditer = _RUN_RE.finditer
        return [m.span() for start, end in regions for m in finditer(text, start, end)]
    find = text.encode("ascii").translate(_DIGIT_BYTES).find
    runs: list[tuple[int, int]] = []
    for start, end in regions:
        pos = find(b"1", start, end)
        while pos >= 0:
            stop = find(b"0", pos, end)
            if stop < 0:
                stop = end
            runs.append((pos, stop))
            pos = find(b"1", stop, end)
    return runs


def _windows(runs: list[tuple[int, int]], left: int, right: int, size: int) -> list[tuple[int, int]]:
    """Merge ``[start - left, end + right]`` around each run into disjoint windows within ``[0, size]``."""
    windows: list[tuple[int, int]] = []
    if not runs:
        return windows
    w_start, w_end = runs[0][0] - left, runs[0][1] + right
    for start, end in runs[1:]:
        if start - left <= w_end:
            w_end = end + right
        else:
            windows.append((max(w_start, 0), min(w_end, size)))
            w_start, w_end = start - left, end + right
    windows.append((max(w_start, 0), min(w_end, size)))
    return windows


def _sub_near_digits(
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    text: str,
    runs: list[tuple[int, int]],
    kind: str,
    want_runs: bool = True,
) -> tuple[str, list[tuple[int, int]]]:
    """``pattern.sub(repl, text)`` for a pattern of ``_REACH[kind]`` (every match is near a digit).

    ``runs`` are the digit runs of ``text``; returns the new text and its digit runs (an empty
    list when ``want_runs`` is false and the text changed).
    """
    out: list[str] = []
    last = 0
    shift = 0
    regions: list[tuple[int, int]] = []
    search = pattern.search
    left, right = _REACH[kind]
    for w_start, w_end in _windows(runs, left, right, len(text)):
        new_start = w_start + shift
        pos = w_start
        while (m := search(text, pos, w_end)) is not None:
            start, end = m.span()
            piece = repl(m)
            out.append(text[last:start])
            out.append(piece)
            shift += len(piece) - (end - start)
            last = pos = end
        regions.append((new_start, w_end + shift))
    if not out:
        return text, runs
    out.append(text[last:])
    text = "".join(out)
    # text outside the windows is unchanged and digit-free, so the windows hold every digit left
    return text, _digit_runs(text, regions) if want_runs else []


def redact(text: str) -> str:
    """Replace personal data with readable placeholders, for analysts who share data.

    Unlike the model pipeline, the text is otherwise left as written (case, punctuation,
    slang): only the personal data changes. See :func:`mask_pii` for what is masked.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> redact("Hubungi sy di +62 812 3456 7890 atau budi.s@mail.co.id")
    'Hubungi sy di [TELEPON] atau [EMAIL]'
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() expects a str, got {type(text).__name__}")
    return mask_pii(text, PII_PLACEHOLDERS)


# ---------------------------------------------------------------------------
# 3. entity tokens: money, durations, dates, numbers (text already lower-cased)
# ---------------------------------------------------------------------------

_NUM_WORD = (
    r"(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|"
    r"seratus|beberapa|puluhan|ratusan|belasan)"
)
_MONTHS = (
    r"(?:januari|jan|februari|pebruari|feb|maret|mar|april|apr|mei|juni|jun|juli|jul|agustus|agu|agt|ags|"
    r"september|sept|sep|oktober|okt|november|nopember|nov|desember|des)"
)
_DUR_UNITS = r"(?:hari|hr|minggu|mgg|mg|pekan|bulan|bln|tahun|thn|th|jam|jm|menit|mnt)"
# Everything that starts with a digit (or "rp"), in one pass; the first alternative that matches wins.
_NUMERIC_RE = re.compile(
    r"(?<![a-z])(?=[\dr])(?:"
    # money: rp 500.000 / rp500rb / rp. 1.250.000,- / 500 ribu / 2 jt / 1,5 juta / 50k / 2,5jt
    r"(?P<money>rp\.?\s{0,2}\d[\d.,]{0,20}(?:\s{0,2}(?:rb|ribu|rbu|k|jt|juta|jeti|m|miliar|milyar|an))?(?:,-|\.-|-)?"
    r"|\d[\d.,]{0,20}\s{0,2}(?:rb|ribu|rbu|ribuan|k|jt|juta|jutaan|jeti|miliar|milyar|perak)\b)"
    # dates: 12/03/2024, 2024-03-12, 5 agustus 2023, 2021
    rf"|(?P<date>\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})\b|\d{{4}}-\d{{1,2}}-\d{{1,2}}\b"
    rf"|\d{{1,2}}\s?{_MONTHS}\b(?:\s?(?:19|20)\d{{2}}\b)?|(?:19|20)\d{{2}}\b)"
    # durations: 3 bulan, 2 mgg, 14 hari (kerja), 1,5 tahun
    rf"|(?P<duration>\d{{1,4}}(?:[.,]\d{{1,2}})?\s{{0,2}}{_DUR_UNITS}\b(?:\s?(?:lebih|an)\b)?)"
    r"|(?P<number>\d+(?:[.,]\d+)*)"
    r")"
)
# a cheap gate for _WORD_ENTITY_RE: one of its units somewhere in the text
_WORD_HINT_RE = re.compile(r"ribu|juta|mil[iy]ar|" + _DUR_UNITS[3:-1])
# number words + unit; one-word forms (sebulan, berbulan-bulan, sejuta) are in the slang lexicon
_WORD_ENTITY_RE = re.compile(
    rf"(?<![a-z])(?=[sdtelbpr])(?:"
    # lima ratus ribu / dua juta / seratus ribu / dua ratus lima puluh ribu
    rf"(?P<money>(?:{_NUM_WORD}(?:\s(?:ratus|puluh|belas))?\s){{1,4}}(?:ribu|juta|miliar|milyar)\b)"
    # dua minggu / tiga bulan / beberapa tahun
    rf"|(?P<duration>{_NUM_WORD}\s{_DUR_UNITS}\b)"
    r")"
)
_ENTITY_TOKEN = {"money": " <uang> ", "date": " <tanggal> ", "duration": " <durasi> ", "number": " <angka> "}


def replace_entities(
    text: str, *, money: bool = True, durations: bool = True, dates: bool = True, numbers: bool = True
) -> str:
    """Replace money amounts, durations, dates and remaining numbers with one token each.

    Expects lower-cased text (see :func:`clean_text`). Money in all the ways people write it
    (``rp 500.000``, ``rp500rb``, ``500 ribu``, ``2 jt``, ``1,5 juta``, ``lima ratus ribu``)
    becomes ``<uang>``; durations (``3 bulan``, ``2 mgg``, ``berbulan-bulan``, ``setahun``)
    become ``<durasi>``; dates (``12/03/2024``, ``5 agustus 2023``, ``2021``) become
    ``<tanggal>``; any other number becomes ``<angka>``. Jakarta slang amounts (``gopek``,
    ``goceng``) are mapped by the slang lexicon.

    Examples
    --------
    >>> replace_entities("sudah 3 bln, diminta rp 300rb, sejak 12/01/2024 di rt 05")
    'sudah <durasi> , diminta <uang> , sejak <tanggal> di rt <angka>'
    >>> replace_entities("dua minggu menunggu, minta lima ratus ribu")
    '<durasi> menunggu, minta <uang>'
    """
    enabled = {"money": money, "date": dates, "duration": durations, "number": numbers}

    def repl(m: re.Match[str]) -> str:
        kind = m.lastgroup
        return _ENTITY_TOKEN[kind] if kind and enabled[kind] else m.group(0)

    changed = False
    runs = _digit_runs(text, [(0, len(text))])
    if runs:
        text, _ = _sub_near_digits(_NUMERIC_RE, repl, text, runs, "numeric", want_runs=False)
        changed = True
    if (money or durations) and _WORD_HINT_RE.search(text):
        text = _WORD_ENTITY_RE.sub(repl, text)
        changed = True
    return " ".join(text.split()) if changed else text


def _entity_repl(m: re.Match[str]) -> str:
    return _ENTITY_TOKEN[m.lastgroup or "number"]


_NUMBER_WORDS = tuple(_NUM_WORD[3:-1].split("|"))
"""The number words (``dua``, ``lima`` ...): a word entity starts with one followed by whitespace."""
_NUMBER_WORDS_SPACE = tuple(word + " " for word in _NUMBER_WORDS)


def _mask_and_tag(text: str, mask: bool, entities: bool, single_spaced: bool) -> str:
    """``replace_entities(mask_pii(text, PII_TOKENS))`` up to whitespace, for the preprocessor.

    The result has the same ``.split()`` as the public functions' (it may hold double spaces).
    ``single_spaced``: the only whitespace in ``text`` is " " (true of :func:`clean_text` output).
    """
    runs = None
    if mask:
        if "@" in text:
            text = _EMAIL_RE.sub(PII_TOKENS["email"], text)
        text, runs = _mask_digits(text, PII_TOKENS)
    if entities:
        if runs is None:
            runs = _digit_runs(text, [(0, len(text))])
        if runs:
            text, runs = _sub_near_digits(_NUMERIC_RE, _entity_repl, text, runs, "numeric", want_runs=False)
        # a word entity starts with a number word and a space (the cheap test goes first)
        number_word = not single_spaced or any(word in text for word in _NUMBER_WORDS_SPACE)
        if number_word and _WORD_HINT_RE.search(text):
            text = _WORD_ENTITY_RE.sub(_entity_repl, text)
    return text


# ---------------------------------------------------------------------------
# 4. slang and abbreviation normalisation
# ---------------------------------------------------------------------------

_DATA = "maladmin_nlp.data"


def _read_data_lines(name: str) -> list[str]:
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def load_slang_lexicon() -> dict[str, str]:
    """The bundled slang and abbreviation lexicon (informal -> standard), cached per process.

    Written by this project for complaint text; 750+ entries (``yg``, ``gak``, ``udh``, ``blm``,
    ``bln``, ``e-ktp``, ``kk``, ``pungli``, ``ortu``, ...).

    Examples
    --------
    >>> lex = load_slang_lexicon()
    >>> lex["gk"], lex["udh"], lex["ortu"]
    ('tidak', 'sudah', 'orang tua')
    """
    lexicon: dict[str, str] = {}
    for line in _read_data_lines("slang.tsv"):
        key, _, value = line.partition("\t")
        lexicon[key.strip()] = value.strip()
    return lexicon


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """The bundled negation-aware stopword list, cached per process.

    It keeps negations and signal words (``tidak``, ``belum``, ``bukan``, ``tanpa``, ``kurang``,
    ``masih``, ``sudah``, ``lama``, ``minta``, ``pihak`` ...), which PySastrawi's default list deletes.

    Examples
    --------
    >>> sw = load_stopwords()
    >>> "yang" in sw, "tidak" in sw, "belum" in sw
    (True, False, False)
    """
    return frozenset(_read_data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def load_courtesy_words() -> frozenset[str]:
    """Courtesy formulas (``terima``, ``kasih``, ``mohon``, ``tolong``, ``matur``, ``nuwun`` ...), cached per process.

    Real complaints of every label open and close with them, so they are dropped by default
    (``IndonesianPreprocessor(remove_courtesy=True)``).

    Examples
    --------
    >>> "mohon" in load_courtesy_words(), "tidak" in load_courtesy_words()
    (True, False)
    """
    return frozenset(_read_data_lines("courtesy.txt"))


@lru_cache(maxsize=1)
def load_stem_exceptions() -> dict[str, str]:
    """Words whose Sastrawi stem is replaced (``perbankan`` -> ``bank``), cached per process.

    Examples
    --------
    >>> load_stem_exceptions()["penyelidikan"]
    'selidik'
    """
    out: dict[str, str] = {}
    for line in _read_data_lines("stem_exceptions.tsv"):
        key, _, value = line.partition("\t")
        out[key.strip()] = value.strip()
    return out


_WORD_RE = re.compile(r"<[a-z]+>|[^\W_]+(?:-[^\W_]+)*")


def normalize_slang(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """Replace informal words and abbreviations with their standard forms.

    Expects lower-cased text (see :func:`clean_text`, which also expands reduplication written
    with a 2, ``jadi2`` -> ``jadi-jadi``); punctuation is dropped.

    Examples
    --------
    >>> normalize_slang("sy udh nunggu tp gk jadi-jadi")
    'saya sudah tunggu tapi tidak jadi-jadi'
    """
    lex = load_slang_lexicon() if lexicon is None else lexicon
    return " ".join(lex.get(w, w) for w in _WORD_RE.findall(text))


def tokenize(text: str) -> list[str]:
    """Split normalised text into word tokens and ``<...>`` placeholder tokens.

    Examples
    --------
    >>> tokenize("tidak jadi-jadi, <uang> !")
    ['tidak', 'jadi-jadi', '<uang>']
    """
    return _WORD_RE.findall(text)
