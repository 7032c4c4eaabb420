"""Merge the corpus parts written by separate authoring passes into the packaged corpus.

Usage: python tools/build_corpus.py corpus_parts/*.jsonl

Validates every record, refuses duplicate ids, and writes src/maladmin_nlp/data/corpus.jsonl
sorted by label (taxonomy order) then id, one JSON object per line, UTF-8.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from maladmin_nlp.taxonomy import LABELS

FIELDS = ("id", "text", "label", "secondary", "sector", "register", "hard")
OUT = Path(__file__).resolve().parents[1] / "src" / "maladmin_nlp" / "data" / "corpus.jsonl"


def main(paths: list[str]) -> None:
    records = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            r = {f: r[f] for f in FIELDS}
            r["text"] = " ".join(r["text"].split(" ")).strip()
            if r["id"] in records:
                raise SystemExit(f"duplicate id {r['id']}")
            if r["label"] not in LABELS:
                raise SystemExit(f"{r['id']}: unknown label {r['label']}")
            r["secondary"] = [s for s in r["secondary"] if s != r["label"] and s in LABELS]
            records[r["id"]] = r
    ordered = sorted(records.values(), key=lambda r: (LABELS.index(r["label"]), r["id"]))
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for r in ordered:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(ordered)} records to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
