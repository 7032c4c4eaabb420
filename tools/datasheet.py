"""Write docs/datasheet.md: the corpus datasheet, with every figure computed from the corpus file.

Usage: python tools/datasheet.py
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from maladmin_nlp.datasets import corpus_sha256, load_corpus, near_duplicates, shared_runs  # noqa: E402
from maladmin_nlp.taxonomy import LABELS  # noqa: E402


def table(counter: Counter[str], total: int, order: list[str] | None = None, head: str = "value") -> str:
    keys = order if order is not None else [k for k, _ in counter.most_common()]
    rows = [f"| {head} | count | share |", "|---|---:|---:|"]
    rows += [f"| {k} | {counter[k]} | {counter[k] / total:.1%} |" for k in keys if counter[k]]
    return "\n".join(rows)


def main() -> None:
    c = load_corpus()
    n = len(c)
    lengths = [len(re.findall(r"\w+", t)) for t in c.texts]
    bins = [(8, 14), (15, 29), (30, 59), (60, 99), (100, 149), (150, 249), (250, 10_000)]
    length_rows = ["| words | complaints | share |", "|---|---:|---:|"]
    for lo, hi in bins:
        k = sum(lo <= x <= hi for x in lengths)
        label = f"{lo}-{hi}" if hi < 10_000 else f"{lo}+"
        length_rows.append(f"| {label} | {k} | {k / n:.1%} |")
    per_label_len = ["| label | complaints | median words | hard | with secondary |", "|---|---:|---:|---:|---:|"]
    for label in LABELS:
        idx = [i for i, lab in enumerate(c.labels) if lab == label]
        per_label_len.append(
            f"| {label} | {len(idx)} | {statistics.median(lengths[i] for i in idx):.0f} | "
            f"{sum(c.hard[i] for i in idx)} | {sum(bool(c.secondary[i]) for i in idx)} |"
        )
    secondary = Counter(s for sec in c.secondary for s in sec)
    pairs = Counter((lab, s) for lab, sec in zip(c.labels, c.secondary) for s in sec)
    runs = shared_runs(c.texts, n=8)
    flagged = set().union(*runs.values()) if runs else set()
    near = near_duplicates(c.texts, threshold=0.5)
    all_text = "\n".join(c.texts)
    pii = {
        "16-digit NIK/KK-like numbers": len(re.findall(r"(?<!\d)\d(?:[ .-]?\d){15}(?!\d)", all_text)),
        "08xx / +62 phone numbers": len(re.findall(r"(?<![\d+])(?:\+?62|0)[ .-]?8\d", all_text)),
        "e-mail addresses": len(re.findall(r"\S+@\S+\.\w+", all_text)),
    }

    doc = f"""# Datasheet: the maladmin_nlp complaint corpus

In the spirit of *Datasheets for Datasets* (Gebru et al., 2021). Every figure below is computed by
`python tools/datasheet.py` from `src/maladmin_nlp/data/corpus.jsonl`
(SHA-256 `{corpus_sha256()}`); do not edit the numbers by hand.

## Motivation

- **Why it exists.** No public data set labels Indonesian public-service complaints by the Ombudsman RI
  forms of maladministration. Regional governments, Ombudsman offices and SP4N-LAPOR! operators sort tens of
  thousands of complaints a year by hand. This corpus trains the library's default model and gives
  researchers a starting point.
- **Who wrote it.** The maladmin_nlp team, for this corpus, in several independent authoring passes (one per
  group of labels, plus two passes for `bukan_maladministrasi`), then merged, checked and deduplicated as a whole.
- **Funding.** None; open-source volunteer work.

## Composition

- **{n} complaints**, one JSON object per line, UTF-8. Fields: `id`, `text`, `label` (one of the 11 ids of
  `maladmin_nlp.taxonomy`), `secondary` (other labels that also apply), `sector`, `register`
  (`formal` / `biasa` / `informal`), `hard` (a genuinely borderline case).
- Every complaint is fictional. Names, places, agencies and personal data are invented; the NIK-like and phone
  numbers are fake (they exist so that PII masking is exercised as on real archives).

### Labels

{table(Counter(c.labels), n, list(LABELS), "label")}

### Length, hardness and secondary labels per label

{chr(10).join(per_label_len)}

- Hard (borderline) complaints: {sum(c.hard)} ({sum(c.hard) / n:.1%}); with at least one secondary label:
  {sum(bool(s) for s in c.secondary)} ({sum(bool(s) for s in c.secondary) / n:.1%}).
- Most frequent (primary -> secondary) pairs: {", ".join(f"{a} -> {b} ({k})" for (a, b), k in pairs.most_common(8))}.

### Length distribution (words)

{chr(10).join(length_rows)}

Median {statistics.median(lengths):.0f} words, mean {statistics.mean(lengths):.1f},
min {min(lengths)}, max {max(lengths)};
{sum(x < 30 for x in lengths) / n:.1%} under 30 words.

### Registers

{table(Counter(c.registers), n, ["formal", "biasa", "informal"], "register")}

`formal`: letters ("Dengan hormat", "Yth. Bapak Kepala ..."); `biasa`: plain narrative; `informal`:
WhatsApp / social-media style with slang, abbreviations, typos, missing punctuation, ALL CAPS, some Javanese,
Sundanese and Betawi words and a little English.

### Sectors

{table(Counter(c.sectors), n, None, "sector")}

### Personal-data look-alikes (all fake)

{chr(10).join(f"- {k}: {v}" for k, v in pii.items())}

### Secondary labels used

{table(secondary, sum(secondary.values()), list(LABELS), "secondary label")}

## Collection (how it was written)

- Each authoring pass followed one brief (the taxonomy definitions, the decision rules of
  `docs/annotation-guide.md`, and targets for length, register, sector, money/duration/date formats, fake
  personal data and borderline cases) and wrote every complaint individually: no slot-filling templates, no
  paraphrase chains.
- Authors read real, unlabelled complaint archives (`../shared/corpora`, see their SOURCE.md) to learn how
  citizens write, but copied nothing: a test checks that no complaint shares a run of 12 words with those
  archives (formulaic greetings aside).
- Two later passes aimed at real complaints: 453 complaints written after reading the shipped model's
  errors on the real development set, passed to the writers as general patterns only (no real complaint
  quoted or paraphrased), and 470 written after reading the unlabelled archives for their topic mix and
  register (short first reports, eligibility questions, a failure claimed in one late clause of a long
  description). What each changed on real complaints is in the model card (`models/README.md`).
- Checks run by the test suite on every build (`tests/test_corpus.py`):
  - near-duplicates (word 3-gram Jaccard > 0.5): **{len(near)}** pairs;
  - complaints sharing a run of 8 identical words with another (greetings/closings excepted):
    **{len(flagged)}** ({len(flagged) / n:.1%}; the limit is 3%).
- Labels are the authors' intended labels, reviewed against the annotation guide; the `hard` flag marks
  complaints where a second annotator could reasonably choose the secondary label as primary.

## Known biases and limits

- **Authored, not collected.** Authors imagine complaints; real citizens ramble, mix several grievances, write
  in regional languages and leave out what an author would state. A model trained here does worse on real
  archives than cross-validation on this corpus suggests (see `models/README.md` for the measured gap on 143 real
  complaints).
- **Label distribution is not the real one.** The corpus is deliberately near-balanced so that rare forms have
  enough examples. In Ombudsman RI's national statistics the top three forms (penundaan berlarut, tidak
  memberikan pelayanan, penyimpangan prosedur) make up about 80% of maladministration reports, and in a city's
  complaint channel about half of all messages are not maladministration at all (mostly first reports of a
  condition and requests for help). Priors matter: calibrate thresholds on your own data.
- **Sector and region coverage is uneven**: village administration, health and education dominate some labels;
  Java-centric place names are more frequent than those of eastern Indonesia.
- **Authors' stereotypes** of how each form of maladministration looks (e.g. discrimination mostly about
  BPJS PBI patients, disability and domicile) may be narrower than reality.
- **Single-annotator labels.** Each complaint's label is its author's intent; there is no inter-annotator
  agreement figure for this corpus (the separate real-dev set was labelled by two annotators, kappa 0.85).

## Recommended uses

- Training and cross-validating complaint classifiers; teaching; testing Indonesian preprocessing.
- As a seed set merged with a few hundred complaints labelled from your own archive (`maladmin-nlp train`).
- **Not** for estimating how often each form occurs in reality, and not as the only test of a model
  meant for real archives: evaluate on real complaints from your own channel.

## Distribution and maintenance

- Shipped inside the `maladmin-nlp` package (`maladmin_nlp.datasets.load_corpus()`), same licence as the code.
- Corrections: open an issue with the record id; regenerate this datasheet with `python tools/datasheet.py`.
"""
    (REPO / "docs" / "datasheet.md").write_text(doc, encoding="utf-8")
    print(f"wrote docs/datasheet.md ({n} complaints)")


if __name__ == "__main__":
    main()
