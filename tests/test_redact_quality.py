"""How well :func:`redact` finds personal data, measured on hand-written complaint sentences.

``tests/data/pii_cases.jsonl`` holds complaint sentences with the exact PII substrings and their
kind; ``tests/data/no_pii_sentences.txt`` holds ordinary complaint sentences full of dates, money,
RT/RW numbers, laws and model numbers that must come out of :func:`redact` unchanged.
"""

import json
import re
from pathlib import Path

import pytest

from maladmin_nlp import IndonesianPreprocessor, redact
from maladmin_nlp.normalize import PII_PLACEHOLDERS

DATA = Path(__file__).parent / "data"
MIN_RECALL = 0.99
MAX_FALSE_POSITIVE_RATE = 0.01


def _load_cases():
    with open(DATA / "pii_cases.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _load_sentences():
    with open(DATA / "no_pii_sentences.txt", encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


CASES = _load_cases()
SENTENCES = _load_sentences()


def _leaked_chunks(pii, text, out):
    """Parts of ``pii`` (3+ characters with a digit) that survive in ``out``."""
    rest = text.replace(pii, " ")
    chunks = [c for c in re.findall(r"[^\W_]{3,}", pii) if re.search(r"\d", c)]
    return [c for c in chunks if out.count(c) > rest.count(c)]


def _caught(case, pii, out):
    """True if ``pii`` is gone from ``out``, no part of it leaked, and the right placeholders replaced it."""
    placeholder = PII_PLACEHOLDERS[case["kind"]]
    if pii in out or _leaked_chunks(pii, case["text"], out):
        return False
    if case["kind"] == "email" and pii.split("@")[0] in out:
        return False
    return out.count(placeholder) >= len(case["pii"])


def test_data_files_are_big_and_well_formed():
    assert len(CASES) >= 320
    assert len(SENTENCES) >= 320
    assert len(set(SENTENCES)) == len(SENTENCES)
    for case in CASES:
        assert set(case) == {"text", "pii", "kind"}, case
        assert case["kind"] in PII_PLACEHOLDERS, case
        assert case["pii"], case
        for pii in case["pii"]:
            assert pii in case["text"], case
    kinds = {case["kind"] for case in CASES}
    assert kinds == set(PII_PLACEHOLDERS)
    for kind in kinds:
        assert sum(case["kind"] == kind for case in CASES) >= 50, kind


def test_redact_recall():
    total, missed = 0, []
    for case in CASES:
        out = redact(case["text"])
        for pii in case["pii"]:
            total += 1
            if not _caught(case, pii, out):
                missed.append(f"{case['kind']}: {pii!r} in {case['text']!r} -> {out!r}")
    recall = 1 - len(missed) / total
    assert recall >= MIN_RECALL, f"recall {recall:.4f} ({len(missed)}/{total} missed):\n" + "\n".join(missed)


def test_redact_false_positive_rate():
    changed = [f"{s!r} -> {redact(s)!r}" for s in SENTENCES if redact(s) != s]
    rate = len(changed) / len(SENTENCES)
    assert rate < MAX_FALSE_POSITIVE_RATE, (
        f"false-positive rate {rate:.4f} ({len(changed)}/{len(SENTENCES)} changed):\n" + "\n".join(changed)
    )


@pytest.fixture(scope="module")
def pre():
    return IndonesianPreprocessor().fit([])


@pytest.fixture(scope="module")
def pre_keep_numbers():
    # without entity tokens, digits that PII masking missed would still be visible
    return IndonesianPreprocessor(entities=False).fit([])


def test_pipeline_output_contains_no_pii(pre):
    outs = pre.transform([case["text"] for case in CASES])
    leaked = [
        f"{case['kind']}: {pii!r} in {case['text']!r} -> {out!r}"
        for case, out in zip(CASES, outs, strict=True)
        for pii in case["pii"]
        if pii.lower() in out
    ]
    assert not leaked, f"{len(leaked)} PII substrings in the model input:\n" + "\n".join(leaked)


def test_pipeline_removes_pii_digits_and_names(pre_keep_numbers):
    outs = pre_keep_numbers.transform([case["text"] for case in CASES])
    total, leaked = 0, []
    for case, out in zip(CASES, outs, strict=True):
        squashed = re.sub(r"\W", "", out)
        for pii in case["pii"]:
            total += 1
            digits = re.sub(r"\D", "", pii)
            local = pii.split("@")[0].lower() if case["kind"] == "email" else ""
            if (len(digits) >= 4 and digits in squashed) or (local and local in out) or pii.lower() in out:
                leaked.append(f"{case['kind']}: {pii!r} in {case['text']!r} -> {out!r}")
    assert len(leaked) / total <= 1 - MIN_RECALL, f"{len(leaked)}/{total} PII leaked:\n" + "\n".join(leaked)
