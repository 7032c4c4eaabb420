"""How well :func:`redact` finds personal data, measured on hand-written complaint sentences, and
that none of it ends up in the shipped model, in evidence strings or in log output.

``tests/data/pii_cases.jsonl`` holds complaint sentences with the exact PII substrings and their
kind; ``tests/data/no_pii_sentences.txt`` holds ordinary complaint sentences full of dates, money,
RT/RW numbers, laws and model numbers that must come out of :func:`redact` unchanged.
"""

import csv
import json
import logging
import re
from pathlib import Path

import pytest

from maladmin_nlp import IndonesianPreprocessor, load_model, redact
from maladmin_nlp.batch import label_file, redact_file
from maladmin_nlp.cli import main
from maladmin_nlp.normalize import PII_PLACEHOLDERS
from maladmin_nlp.persistence import default_model_path

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


# --------------------------------------------------------------------------- the shipped model and the logs
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NIK_PHONE_ACCOUNT = re.compile(r"\d{6,}")  # NIK (16), phone (9-13), account (8-15) digits, once joined


def _pii_strings():
    """Every PII substring of the test set, and its digits when it has six or more."""
    out = set()
    for case in CASES:
        for pii in case["pii"]:
            out.add(pii.lower())
            digits = re.sub(r"\D", "", pii)
            if len(digits) >= 6:
                out.add(digits)
    return out


def _leaks(text):
    """PII of the test set found in ``text`` (also with separators removed, for split digit runs)."""
    low = text.lower()
    squashed = re.sub(r"[\s.\-]", "", low)
    return sorted(p for p in _pii_strings() if p in low or (p.isdigit() and p in squashed))


needs_default_model = pytest.mark.skipif(not default_model_path().exists(), reason="default model not built")


@pytest.fixture(scope="module")
def default_model():
    return load_model()


@needs_default_model
def test_shipped_model_vocabulary_holds_no_personal_data(default_model):
    vocabulary = list(default_model.terms)  # the compact form holds every term the model knows
    assert len(vocabulary) > 1000
    shaped = [
        t for t in vocabulary if _NIK_PHONE_ACCOUNT.search(t.replace(" ", "")) or "@" in t or _EMAIL.search(t)
    ]
    assert not shaped, f"vocabulary terms shaped like NIK/phone/account numbers or e-mails: {shaped[:20]}"
    assert not [t for t in vocabulary if re.search(r"\d{3,}", t)]  # no digit run: no plate, no number at all
    # the masking tokens are what the model learnt instead
    assert {"<nik>", "<telepon>", "<email>", "<rekening>"} & set(vocabulary)
    joined = "\n".join(vocabulary)
    assert not _leaks(joined)


@needs_default_model
def test_evidence_and_logs_never_carry_personal_data(default_model, tmp_path, caplog, capsys):
    """classify, label_file, redact_file and the CLI with -v, all logging at DEBUG, on the 300+ PII cases."""
    texts = [case["text"] for case in CASES]
    archive = tmp_path / "laporan_pii.csv"
    with open(archive, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id_laporan", "isi_laporan"])
        writer.writerows([f"L-{i:04d}", text] for i, text in enumerate(texts))

    with caplog.at_level(logging.DEBUG):
        predictions = default_model.classify(texts)
        explanations = [default_model.explain(t, top=20) for t in texts[::10]]
        summary = label_file(archive, tmp_path / "hasil.csv", model=default_model, id_column="id_laporan")
        redact_file(archive, tmp_path / "anonim.csv")
        assert main(["label", str(archive), "-o", str(tmp_path / "hasil_cli.jsonl"), "-v",
                     "--summary", str(tmp_path / "ringkasan.json")]) == 0
        assert main(["classify", texts[0], "-v", "--json"]) == 0
    printed = capsys.readouterr()

    evidence = [term for p in predictions for term, _ in p.evidence]
    evidence += [term for e in explanations for terms in e.values() for term, _ in terms]
    with open(tmp_path / "hasil.csv", encoding="utf-8", newline="") as fh:
        evidence += [row["evidence"] for row in csv.DictReader(fh)]
    evidence += [json.loads(line)["evidence"] for line in (tmp_path / "hasil_cli.jsonl").read_text().splitlines()]
    assert len(evidence) > 3 * len(texts)
    assert not _leaks("\n".join(evidence)), _leaks("\n".join(evidence))[:10]
    assert not [t for t in evidence if re.search(r"\d{4,}", re.sub(r"\([\d.e+-]+\)", "", t))]  # weights aside

    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "labelled" in printed.err and caplog.records  # there was log output to inspect
    assert not _leaks(logs), _leaks(logs)[:10]
    assert not _leaks(printed.err), _leaks(printed.err)[:10]
    assert not _leaks(json.dumps(summary.to_dict())) and not _leaks((tmp_path / "ringkasan.json").read_text())
    # the redacted archive keeps none of it either
    assert not _leaks((tmp_path / "anonim.csv").read_text(encoding="utf-8"))
