"""No catastrophic backtracking: every regular expression in the package runs in bounded time.

Each pattern is found automatically (compiled module attributes of every submodule, plus literal
patterns passed inline to ``re.sub``/``re.search``/...), so a new regex is tested without being
listed here. Each one gets ~100 KB adversarial inputs: long digit runs, digits separated by
spaces/dots/dashes, keywords followed by long runs of other characters, unclosed tags, ``@``-heavy
strings. A linear-time regex handles 100 KB in milliseconds; a backtracking one takes minutes.

Reading files goes through regular expressions too, some of them the standard library's
(:class:`csv.Sniffer` guesses quotes with a pattern that is quadratic in its sample): the delimiter
sniffer and the CSV reader get adversarial files as well.
"""

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import maladmin_nlp
from maladmin_nlp import IndonesianPreprocessor, redact
from maladmin_nlp.io import detect_encoding, open_table, sniff_delimiter
from maladmin_nlp.normalize import PII_TOKENS, clean_text, mask_pii, replace_entities

SIZE = 100_000
REGEX_BOUND = 1.0  # seconds per .search/.sub call: generous, linear patterns take milliseconds
PIPELINE_BOUND = 2.0  # seconds per document for a whole function or the preprocessor

_RE_FUNCS = {"compile", "sub", "subn", "search", "match", "fullmatch", "findall", "finditer", "split"}


def _fill(unit: str, prefix: str = "") -> str:
    return prefix + unit * ((SIZE - len(prefix)) // len(unit) + 1)


ADVERSARIAL = {
    "digits": _fill("1"),
    "digits-space": _fill("1 "),
    "digits-dot": _fill("1."),
    "digits-dash": _fill("1-"),
    "digits-spaced-dash": _fill("1 - "),
    "digit-pairs-mixed": _fill("12 34.56-78 "),
    "zero-eight": _fill("08"),
    "sixty-two": _fill("+62 "),
    "paren-area-code": _fill("(021) "),
    "rek-then-letters": _fill("a", "rek "),
    "rek-repeated": _fill("rek "),
    "rekening-digit": _fill("rekening 1 "),
    "bank-names": _fill("bri bca bank "),
    "an-dots": _fill("a.n. 1 "),
    "nik-repeated": _fill("nik 1"),
    "letters": _fill("a"),
    "letters-upper": _fill("A"),
    "rek-upper": _fill("A", "REK "),
    "bank-upper": _fill("BRI BCA BANK "),
    "plate-upper": _fill("DK 1234 "),
    "lt": _fill("<"),
    "unclosed-tag": _fill("x", "<a "),
    "unclosed-comment": _fill("-", "<!--"),
    "unclosed-script": _fill("a", "<script>"),
    "amp": _fill("&"),
    "entity-like": _fill("&#1"),
    "rp": _fill("rp "),
    "rp-digits": _fill("rp 1."),
    "letter-digit": _fill("a1"),
    "plate-like": _fill("B 1234 "),
    "plate-glued": _fill("B1"),
    "at": _fill("@"),
    "at-letters": _fill("a@"),
    "email-domain": _fill("b.", "a@"),
    "email-local": _fill("a.", "") + "@",
    "dot-plus-dash": _fill(".+-"),
    "url": _fill("a", "http://"),
    "redup": _fill("ab2 "),
    "redup-glued": _fill("ab2"),
    "punct": _fill("!?.,"),
    "backslash-n": _fill("\\n"),
    "spaces": _fill(" "),
    "newlines": _fill("\n"),
    "number-words": _fill("dua ratus "),
    "dates": _fill("12/03/"),
    "unicode": _fill("é"),
    "emoji": _fill("😡a"),
    "quote-after-comma": _fill(',"x'),
    "quote-after-semicolon": _fill(";'x"),
    "quotes": _fill('"'),
}


def _package_modules():
    names = ["maladmin_nlp"]
    names += [f"maladmin_nlp.{m.name}" for m in pkgutil.iter_modules(maladmin_nlp.__path__)]
    return names


def _compiled_patterns():
    """Compiled patterns held by the package's modules (including f-string built ones)."""
    found = {}
    for name in _package_modules():
        try:
            module = importlib.import_module(name)
        except ImportError:  # optional dependency missing; its literals are still found by _inline_patterns
            continue
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.setdefault((value.pattern, value.flags), f"{name}.{attr}")
    return found


def _inline_patterns():
    """Literal patterns passed to re.compile/re.sub/re.search/... anywhere in the package source."""
    found = {}
    root = Path(maladmin_nlp.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_FUNCS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                compiled = re.compile(node.args[0].value)
                found.setdefault((compiled.pattern, compiled.flags), f"{path.name}:{node.lineno}")
    return found


PATTERNS = {**_inline_patterns(), **_compiled_patterns()}


def test_patterns_are_found():
    names = set(PATTERNS.values())
    for expected in ["_EMAIL_RE", "_ACCOUNT_RE", "_NIK_PHONE_RE", "_PLATE_RE", "_TAG_RE", "_NUMERIC_RE"]:
        assert f"maladmin_nlp.normalize.{expected}" in names
    assert len(PATTERNS) >= 25


def _timed(func, *args):
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


@pytest.mark.parametrize("key", list(PATTERNS), ids=list(PATTERNS.values()))
def test_regex_is_linear_on_adversarial_input(key):
    pattern = re.compile(*key)
    slow = []
    for label, text in ADVERSARIAL.items():
        for call in (pattern.search, lambda s: pattern.sub(" ", s)):
            elapsed = _timed(call, text)
            if elapsed >= REGEX_BOUND:
                slow.append(f"{label} ({call.__name__}): {elapsed:.2f}s")
    assert not slow, f"{PATTERNS[key]} ({key[0][:80]!r}) is slow on: {slow}"


FUNCTIONS = {
    "clean_text": clean_text,
    "mask_pii": mask_pii,
    "mask_pii_tokens": lambda s: mask_pii(s, PII_TOKENS),
    "replace_entities": lambda s: replace_entities(s.lower()),
    "redact": redact,
    "sniff_delimiter": sniff_delimiter,
    "detect_encoding": lambda s: detect_encoding(s.encode("utf-8")),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_functions_are_fast_on_adversarial_input(name):
    func = FUNCTIONS[name]
    slow = []
    for label, text in ADVERSARIAL.items():
        elapsed = _timed(func, text)
        if elapsed >= PIPELINE_BOUND:
            slow.append(f"{label}: {elapsed:.2f}s")
    assert not slow, f"{name} is slow on: {slow}"


@pytest.mark.parametrize("max_chars", [None, 2 * SIZE], ids=["default-cap", "whole-100kb"])
def test_preprocessor_is_fast_on_adversarial_input(max_chars):
    params = {} if max_chars is None else {"max_chars": max_chars}
    pre = IndonesianPreprocessor(**params).fit([])
    slow = []
    for label, text in ADVERSARIAL.items():
        elapsed = _timed(pre.transform, [text])
        if elapsed >= PIPELINE_BOUND:
            slow.append(f"{label}: {elapsed:.2f}s")
    assert not slow, f"IndonesianPreprocessor(max_chars={max_chars}) is slow on: {slow}"


CSV_FILES = {
    "a-quote-per-line": "no,isi\n" + '1,"a\n' * (SIZE // 5),
    "one-quote-never-closed": 'no,isi\n1,"' + "x\n" * (SIZE // 2),
    "escaped-quotes-per-line": "no,isi\n" + '1,"x""\n' * (SIZE // 7),
    "quote-after-comma": "no,isi\n" + ADVERSARIAL["quote-after-comma"],
    "text-after-closing-quotes": "no,isi\n" + '1,"a"b\n' * (SIZE // 7),
    "recovery-inside-recovery": "no,isi\n" + ('1,"a\n' + "2,b\n" * 50) * (SIZE // 250),
    "delimiters-only": "no,isi\n" + _fill(",;|\t\n"),
}


@pytest.mark.parametrize("name", list(CSV_FILES))
def test_csv_reader_is_fast_on_adversarial_files(name, tmp_path):
    path = tmp_path / "arsip.csv"
    path.write_text(CSV_FILES[name], encoding="utf-8")

    def read():
        with open_table(path) as table:
            return sum(1 for _ in table.records())

    start = time.perf_counter()
    rows = read()
    elapsed = time.perf_counter() - start
    assert rows >= 1
    assert elapsed < PIPELINE_BOUND, f"reading {name} took {elapsed:.2f}s"
