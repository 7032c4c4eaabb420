"""The labelled corpus of authored Indonesian complaints shipped with the package.

Every complaint was written by the maladmin_nlp team for this corpus (see ``docs/datasheet.md``
and ``docs/annotation-guide.md``); none is copied from a real archive.

Examples
--------
>>> from maladmin_nlp.datasets import load_corpus
>>> corpus = load_corpus()
>>> len(corpus) >= 2200
True
>>> corpus.labels[0] in corpus.label_set
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .taxonomy import LABELS

__all__ = ["CORPUS_FILE", "Corpus", "content_words", "corpus_sha256", "load_corpus", "near_duplicates", "shared_runs"]

CORPUS_FILE = "corpus.jsonl"
_FIELDS = ("id", "text", "label", "secondary", "sector", "register", "hard")
_REGISTERS = ("formal", "biasa", "informal")


@dataclass(frozen=True)
class Corpus:
    """The labelled corpus, field by field (all lists are aligned).

    Attributes
    ----------
    ids, texts, labels, sectors, registers : list of str
    secondary : list of list of str
        Other labels that also apply to each complaint.
    hard : list of bool
        True for genuinely borderline complaints.
    """

    ids: list[str]
    texts: list[str]
    labels: list[str]
    secondary: list[list[str]]
    sectors: list[str]
    registers: list[str]
    hard: list[bool]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_set(self) -> tuple[str, ...]:
        """Labels present, in taxonomy order."""
        present = set(self.labels)
        return tuple(label for label in LABELS if label in present)

    def records(self) -> list[dict[str, Any]]:
        """The corpus as a list of dicts, one per complaint."""
        return [
            {
                "id": i,
                "text": t,
                "label": lab,
                "secondary": list(sec),
                "sector": s,
                "register": r,
                "hard": h,
            }
            for i, t, lab, sec, s, r, h in zip(
                self.ids, self.texts, self.labels, self.secondary, self.sectors, self.registers, self.hard
            )
        ]

    def to_frame(self) -> Any:
        """The corpus as a pandas DataFrame (needs the ``io`` extra: ``pip install maladmin-nlp[io]``)."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("Corpus.to_frame() needs pandas: pip install 'maladmin-nlp[io]'") from exc
        return pd.DataFrame(self.records())


def _corpus_bytes() -> bytes:
    return resources.files("maladmin_nlp.data").joinpath(CORPUS_FILE).read_bytes()


def corpus_sha256() -> str:
    """SHA-256 of the packaged corpus file, recorded in model cards.

    Examples
    --------
    >>> len(corpus_sha256())
    64
    """
    return hashlib.sha256(_corpus_bytes()).hexdigest()


def _validate(record: dict[str, Any], lineno: int) -> None:
    missing = [f for f in _FIELDS if f not in record]
    if missing:
        raise ValueError(f"{CORPUS_FILE} line {lineno}: missing fields {missing}")
    if record["label"] not in LABELS:
        raise ValueError(f"{CORPUS_FILE} line {lineno}: unknown label {record['label']!r}")
    if record["register"] not in _REGISTERS:
        raise ValueError(f"{CORPUS_FILE} line {lineno}: register must be one of {_REGISTERS}")


@lru_cache(maxsize=1)
def _load() -> Corpus:
    ids, texts, labels, secondary, sectors, registers, hard = [], [], [], [], [], [], []
    for lineno, line in enumerate(_corpus_bytes().decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        _validate(record, lineno)
        ids.append(str(record["id"]))
        texts.append(record["text"])
        labels.append(record["label"])
        secondary.append(list(record["secondary"]))
        sectors.append(record["sector"])
        registers.append(record["register"])
        hard.append(bool(record["hard"]))
    return Corpus(ids, texts, labels, secondary, sectors, registers, hard)


def load_corpus() -> Corpus:
    """Load the packaged labelled corpus.

    Returns
    -------
    Corpus
        Aligned lists: ``ids``, ``texts``, ``labels``, ``secondary``, ``sectors``,
        ``registers``, ``hard``. The data is read once per process; each call returns a copy.

    Examples
    --------
    >>> corpus = load_corpus()
    >>> sorted(set(corpus.registers))
    ['biasa', 'formal', 'informal']
    """
    c = _load()
    return Corpus(
        list(c.ids),
        list(c.texts),
        list(c.labels),
        [list(s) for s in c.secondary],
        list(c.sectors),
        list(c.registers),
        list(c.hard),
    )


# ---------------------------------------------------------------------------
# overlap checks (used by the corpus tests; useful for anyone adding data)
# ---------------------------------------------------------------------------

_WORDS_RE = re.compile(r"\w+")

FORMULAIC_PHRASES = (
    "dengan hormat",
    "assalamualaikum warahmatullahi wabarakatuh",
    "assalamualaikum wr wb",
    "wassalamualaikum warahmatullahi wabarakatuh",
    "wassalamualaikum wr wb",
    "demikian laporan ini saya sampaikan",
    "demikian pengaduan ini saya sampaikan",
    "atas perhatian dan kerja samanya saya ucapkan terima kasih",
    "atas perhatian bapak ibu saya ucapkan terima kasih",
    "atas perhatiannya saya ucapkan terima kasih",
    "atas perhatian dan tindak lanjutnya kami ucapkan terima kasih",
    "atas perhatian dan tindak lanjutnya saya ucapkan terima kasih",
    "yang bertanda tangan di bawah ini",
    "mohon maaf sebelumnya",
    "terima kasih atas perhatiannya",
)
"""Greetings and closings that many real letters share word for word; ignored by :func:`shared_runs`."""


def _words(text: str) -> list[str]:
    return _WORDS_RE.findall(text.lower())


def near_duplicates(texts: Sequence[str], threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pairs of texts whose word 3-gram sets have a Jaccard similarity above ``threshold``.

    Returns
    -------
    list of (i, j, similarity)

    Examples
    --------
    >>> near_duplicates(["ktp saya belum jadi sudah tiga bulan", "ktp saya belum jadi sudah tiga bulan lebih",
    ...                  "jalan rusak di depan sekolah"])
    [(0, 1, 0.83)]
    """
    grams = []
    for text in texts:
        ws = _words(text)
        grams.append({tuple(ws[k : k + 3]) for k in range(len(ws) - 2)})
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for t in g:
            index[t].append(i)
    out = []
    for i, g in enumerate(grams):
        if not g:
            continue
        shared: dict[int, int] = defaultdict(int)
        for t in g:
            for j in index[t]:
                if j > i:
                    shared[j] += 1
        for j, s in shared.items():
            sim = s / len(g | grams[j])
            if sim > threshold:
                out.append((i, j, round(sim, 2)))
    return out


def content_words(text: str) -> list[str]:
    """Lower-case words of ``text`` with each formulaic greeting or closing replaced by ``"|"``.

    Examples
    --------
    >>> content_words("Dengan hormat, KTP saya belum jadi.")
    ['|', 'ktp', 'saya', 'belum', 'jadi']
    """
    joined = " " + " ".join(_words(text)) + " "
    for phrase in FORMULAIC_PHRASES:
        joined = joined.replace(" " + phrase + " ", " | ")
    return joined.split()


def shared_runs(texts: Iterable[str], n: int = 8) -> dict[tuple[str, ...], set[int]]:
    """Runs of ``n`` identical words (case and punctuation ignored) that occur in more than one text.

    Formulaic greetings and closings (:data:`FORMULAIC_PHRASES`) are ignored.

    Returns
    -------
    dict mapping the run to the indices of the texts that contain it

    Examples
    --------
    >>> runs = shared_runs(["a b c d e f g h i", "x a b c d e f g h"], n=8)
    >>> list(runs.values())
    [{0, 1}]
    """
    owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for i, text in enumerate(texts):
        ws = content_words(text)
        for k in range(len(ws) - n + 1):
            run = tuple(ws[k : k + n])
            if "|" not in run:
                owners[run].add(i)
    return {run: who for run, who in owners.items() if len(who) > 1}
