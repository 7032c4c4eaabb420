"""The packaged corpus meets the rules of its issue: size, balance, variety, and no templates."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from maladmin_nlp import LABELS
from maladmin_nlp.datasets import FORMULAIC_PHRASES, content_words, load_corpus, near_duplicates, shared_runs

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def words(text):
    return re.findall(r"\w+", text.lower())


def test_size_and_balance(corpus):
    assert len(corpus) >= 2200
    counts = Counter(corpus.labels)
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 200, counts


def test_fields_are_valid(corpus):
    assert len(set(corpus.ids)) == len(corpus)
    assert set(corpus.registers) == {"formal", "biasa", "informal"}
    for label, secondary in zip(corpus.labels, corpus.secondary):
        assert label not in secondary
        assert set(secondary) <= set(LABELS)
    assert all(isinstance(h, bool) for h in corpus.hard)
    assert all(t.strip() == t and t for t in corpus.texts)


def test_variety_of_lengths(corpus):
    lengths = [len(words(t)) for t in corpus.texts]
    assert min(lengths) >= 8
    short = sum(n < 30 for n in lengths) / len(lengths)
    assert 0.25 <= short <= 0.45, short
    assert sum(n >= 250 for n in lengths) >= 20


def test_variety_of_registers_and_sectors(corpus):
    registers = Counter(corpus.registers)
    for register in ("formal", "biasa", "informal"):
        assert registers[register] / len(corpus) >= 0.15
    sectors = Counter(corpus.sectors)
    assert len([s for s, n in sectors.items() if n >= 20]) >= 15


def test_hard_cases(corpus):
    assert sum(corpus.hard) / len(corpus) >= 0.20
    assert sum(bool(s) for s in corpus.secondary) / len(corpus) >= 0.15


def test_money_durations_and_fake_pii_appear(corpus):
    text = "\n".join(corpus.texts).lower()
    for pattern in [r"rp\.? ?\d", r"\d ?rb\b", r"\d ?(jt|juta)\b", r"\bribu\b", r"\d+ (bulan|bln)\b",
                    r"\bberbulan-bulan\b", r"\b08\d{8,11}\b|\b08\d{2}[- ]\d{4}", r"\b\d{16}\b|\d{4} \d{4} \d{4} \d{4}"]:
        assert re.search(pattern, text), pattern


def test_no_near_duplicates(corpus):
    pairs = near_duplicates(corpus.texts, threshold=0.5)
    assert not pairs, [(corpus.ids[i], corpus.ids[j], s) for i, j, s in pairs[:10]]


def test_no_templates_shared_8_word_runs_under_3_percent(corpus):
    runs = shared_runs(corpus.texts, n=8)
    flagged = set().union(*runs.values()) if runs else set()
    share = len(flagged) / len(corpus)
    examples = [" ".join(run) for run in list(runs)[:5]]
    assert share <= 0.03, (share, examples)


def test_formulaic_phrases_are_lower_case_words():
    for phrase in FORMULAIC_PHRASES:
        assert phrase == " ".join(words(phrase))


def _shared_texts():
    texts = []
    dev = SHARED / "eval" / "real-dev.jsonl"
    if dev.exists():
        texts += [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name, column in [("surabaya-wargaku", "keluhan"), ("purbalingga-lapormasbup", "text")]:
        path = SHARED / "corpora" / name / "complaints.csv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                texts += [row[column] for row in csv.DictReader(fh)]
    return texts


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not present")
def test_no_text_is_copied_from_the_unlicensed_real_archives(corpus):
    """No corpus complaint shares a 12-word run with the real archives or real-dev.

    Greetings and closings are ignored, and so are runs that recur in several real texts (agency names
    and formulaic letter heads such as "kepala dinas sumber daya air dan bina marga kota"): a copied
    passage is specific to one real complaint.
    """
    seen_in: dict[tuple[str, ...], int] = {}
    for text in set(_shared_texts()):
        ws = content_words(text.replace("\\n", " "))
        for run in {tuple(ws[k : k + 12]) for k in range(len(ws) - 11)}:
            seen_in[run] = seen_in.get(run, 0) + 1
    real_runs = {run for run, n in seen_in.items() if n == 1 and "|" not in run}
    copied = []
    for cid, text in zip(corpus.ids, corpus.texts):
        ws = content_words(text)
        if any(tuple(ws[k : k + 12]) in real_runs for k in range(len(ws) - 11)):
            copied.append(cid)
    assert not copied, copied[:20]
