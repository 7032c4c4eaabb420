"""Check authored corpus JSONL files: schema, variety, and template/duplicate rules.

Usage: python tools/check_corpus.py FILE.jsonl [FILE2.jsonl ...]

Rules (from the corpus issue):
- every record has id, text, label, secondary, sector, register, hard;
- no two texts share a word 3-gram Jaccard similarity above 0.5;
- at most 3% of records share a run of 8 identical words (case and punctuation ignored)
  with another record, formulaic greetings and closings excepted.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from maladmin_nlp.datasets import FORMULAIC_PHRASES as FORMULAIC
from maladmin_nlp.taxonomy import LABELS

REGISTERS = ("formal", "biasa", "informal")
FIELDS = ("id", "text", "label", "secondary", "sector", "register", "hard")


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def strip_formulaic(ws: list[str]) -> list[str]:
    joined = " " + " ".join(ws) + " "
    for phrase in FORMULAIC:
        joined = joined.replace(" " + phrase + " ", " | ")
    return joined.split()


def main(paths: list[str]) -> int:
    records = []
    problems: list[str] = []
    for p in paths:
        for lineno, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{p}:{lineno}: bad JSON: {exc}")
                continue
            missing = [f for f in FIELDS if f not in r]
            if missing:
                problems.append(f"{p}:{lineno}: missing fields {missing}")
                continue
            if r["label"] not in LABELS:
                problems.append(f"{p}:{lineno}: unknown label {r['label']!r}")
            if not isinstance(r["secondary"], list) or any(s not in LABELS or s == r["label"] for s in r["secondary"]):
                problems.append(f"{p}:{lineno}: bad secondary {r['secondary']!r}")
            if r["register"] not in REGISTERS:
                problems.append(f"{p}:{lineno}: bad register {r['register']!r}")
            if not isinstance(r["hard"], bool):
                problems.append(f"{p}:{lineno}: hard must be true/false")
            r["_where"] = f"{p}:{lineno}"
            records.append(r)

    ids = Counter(r["id"] for r in records)
    for i, c in ids.items():
        if c > 1:
            problems.append(f"duplicate id {i} x{c}")

    n = len(records)
    lengths = [len(words(r["text"])) for r in records]
    print(f"records: {n}")
    print("labels:", dict(Counter(r["label"] for r in records)))
    print("registers:", dict(Counter(r["register"] for r in records)))
    print("sectors:", dict(Counter(r["sector"] for r in records).most_common()))
    if n:
        print(
            f"words: min {min(lengths)}, max {max(lengths)}, "
            f"<30: {sum(x < 30 for x in lengths) / n:.0%}, >=100: {sum(x >= 100 for x in lengths)}, "
            f">=250: {sum(x >= 250 for x in lengths)}, <8: {sum(x < 8 for x in lengths)}"
        )
        hard = sum(r["hard"] for r in records) / n
        with_secondary = sum(bool(r["secondary"]) for r in records) / n
        print(f"hard: {hard:.0%}, with secondary: {with_secondary:.0%}")

    # 3-gram Jaccard near-duplicates
    grams = []
    for r in records:
        ws = words(r["text"])
        grams.append({tuple(ws[i : i + 3]) for i in range(len(ws) - 2)})
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for t in g:
            index[t].append(i)
    near = 0
    for i, g in enumerate(grams):
        if not g:
            continue
        shared: Counter[int] = Counter()
        for t in g:
            for j in index[t]:
                if j > i:
                    shared[j] += 1
        for j, s in shared.items():
            jac = s / len(g | grams[j])
            if jac > 0.5:
                near += 1
                problems.append(
                    f"near-duplicate (Jaccard {jac:.2f}): {records[i]['_where']} ~ {records[j]['_where']}"
                )

    # shared 8-word runs
    owners: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for i, r in enumerate(records):
        ws = strip_formulaic(words(r["text"]))
        for k in range(len(ws) - 7):
            run = tuple(ws[k : k + 8])
            if "|" in run:
                continue
            owners[run].add(i)
    flagged: set[int] = set()
    examples = []
    for run, who in owners.items():
        if len(who) > 1:
            flagged |= who
            if len(examples) < 15:
                examples.append((" ".join(run), sorted(records[w]["_where"] for w in who)[:3]))
    share = len(flagged) / n if n else 0.0
    print(f"records sharing an 8-word run: {len(flagged)} ({share:.1%}; limit 3%)")
    for run, where in examples:
        print(f"  '{run}' in {where}")
    if share > 0.03:
        problems.append(f"{share:.1%} of records share an 8-word run (limit 3%)")

    for p in problems[:200]:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
