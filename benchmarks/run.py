"""The issue-6 benchmark: this library against the naive pipeline and the floor, on one archive.

    python benchmarks/run.py [--rows 200000] [--repeats 3] [--json FILE] [--million]

It builds a realistic archive of ``--rows`` complaints (the packaged corpus plus
``../shared/corpora/surabaya-wargaku`` when present, with seeded typos, RT/RW and house numbers and
invented person and street names, so the vocabulary keeps growing as a real archive's does), writes
it as one CSV and measures, on those same rows, in the same run:

1. this library end to end (``load_model().predict``: preprocessing, features, calibrated model),
   cold (fresh process, empty word caches; the first pass) and warm (same object, second pass);
2. ``maladmin-nlp label`` on the CSV with ``--jobs 1`` and ``--jobs 2``: rows/s (wall clock of the
   command) and peak RSS of its process tree;
3. the naive pipeline: PySastrawi ``stem(remove(text))`` per complaint, then a default
   ``TfidfVectorizer`` + ``LinearSVC`` trained on the same corpus (training not timed), cold and warm;
4. the floor: a default ``TfidfVectorizer`` + ``LinearSVC`` on the raw text;
5. ``load_model()`` time in fresh processes, the model file size, and (``--million``) the peak RSS
   of labelling a 1,000,000-row CSV in chunks;
6. ``model.classify(text)`` latency on a warm model, one complaint per call (median and p99).

Every throughput figure is the median of ``--repeats`` runs, each in a fresh process. The runs of
compared parts alternate (library, baselines, library, ...; ``--jobs 1``, ``--jobs 2``, ...) and each
ratio is the median of the per-repeat ratios of runs measured back to back, so a change in the
machine's speed during the benchmark moves both sides of a ratio alike. Benchmark
processes run with ``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1`` and a threadpoolctl
limit of one thread, so sections 1, 3, 4 and 6 are one-core figures. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TEXT_COLUMN = "isi_laporan"
MB = 1024 * 1024

# --------------------------------------------------------------------------- the archive
_SYLLABLES = (
    "a", "su", "har", "to", "wi", "ja", "ya", "di", "an", "sri", "mul", "ni", "bu", "sa", "ri", "no", "ko", "e",
    "ka", "pu", "tri", "ad", "i", "nur", "ha", "san", "ra", "ma", "de", "ti", "lu", "gus", "wan", "se", "tya",
    "rah", "mat", "yu", "dwi", "ek", "na", "ta", "ba", "gi", "jo", "kus", "wo", "ro", "ny", "sih", "ning", "rat",
    "um", "yan", "fa", "ru", "dy",
)
_TITLES = ("Pak", "Bu", "Bapak", "Ibu", "Sdr.", "Mas", "Mbak", "Saudara")
_STREET_KINDS = ("Jl.", "Jalan", "Jl. Raya", "Gang", "Gg.")
TYPO_RATE = 0.02  # share of words with a typo (letters swapped, dropped or doubled)


def _zipf(rng: random.Random, items: list[str]) -> str:
    """An item drawn with probability about proportional to 1 / rank (Zipf), as names are."""
    return items[min(len(items) - 1, int(len(items) ** rng.random()) - 1)]


class _Names:
    """Invented person and street names: seeded pools drawn Zipf-wise, so a few are common, most rare."""

    def __init__(self, seed: int, people: int = 20_000, streets: int = 5_000) -> None:
        rng = random.Random(seed * 7919 + 1)
        self.people = [self._invent(rng) for _ in range(people)]
        self.streets = [self._invent(rng) for _ in range(streets)]

    @staticmethod
    def _invent(rng: random.Random) -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    def person(self, rng: random.Random) -> str:
        first = f"{rng.choice(_TITLES)} {_zipf(rng, self.people)}"
        return f"{first} {_zipf(rng, self.people)}" if rng.random() < 0.4 else first

    def address(self, rng: random.Random) -> str:
        street = f"{rng.choice(_STREET_KINDS)} {_zipf(rng, self.streets)}"
        rt, rw = rng.randint(1, 20), rng.randint(1, 15)
        form = rng.randrange(3)
        if form == 0:
            return f"{street} No. {rng.randint(1, 350)} RT {rt:02d} RW {rw:02d}"
        if form == 1:
            return f"RT {rt:02d}/RW {rw:02d} {street} no {rng.randint(1, 350)}"
        return f"{street} nomor {rng.randint(1, 350)}{rng.choice(['', 'A', 'B'])}, RT{rt} RW{rw}"


_PREFIXES = (
    "Saya {person}, warga {address}, ",
    "Selamat pagi, saya {person} dari {address}. ",
    "Mohon maaf, saya {person}. ",
    "Lokasi: {address}. ",
)
_SUFFIXES = (
    " Alamat: {address}.",
    " Mohon ditindaklanjuti. Terima kasih, {person}.",
    " Kejadian di {address}.",
    " Yang melayani waktu itu {person}.",
    " Pelapor: {person}, {address}.",
)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    op = rng.randrange(3)
    if op == 0:  # swap two neighbouring letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double a letter


def perturb(text: str, rng: random.Random, names: _Names) -> str:
    """A lightly perturbed copy of ``text``: a few typos, maybe a name, an address, numbers."""
    words = text.split(" ")
    for _ in range(int(len(words) * TYPO_RATE + rng.random())):
        j = rng.randrange(len(words))
        if len(words[j]) >= 4 and words[j].isalpha():
            words[j] = _typo(words[j], rng)
    out = " ".join(words)
    if rng.random() < 0.35:
        out = rng.choice(_PREFIXES).format(person=names.person(rng), address=names.address(rng)) + out
    if rng.random() < 0.45:
        out = out.rstrip() + rng.choice(_SUFFIXES).format(person=names.person(rng), address=names.address(rng))
    return out


def source_texts() -> tuple[list[str], dict[str, int]]:
    """The pool of real-style complaints: the packaged corpus, plus the Surabaya archive if present."""
    from common import load_archive_texts

    from maladmin_nlp.datasets import load_corpus

    corpus = load_corpus().texts
    archive = load_archive_texts("surabaya-wargaku")
    return corpus + archive, {"packaged corpus": len(corpus), "surabaya-wargaku": len(archive)}


def archive_rows(pool: list[str], n: int, seed: int) -> Iterator[str]:
    """``n`` complaints drawn from ``pool`` (seeded) and perturbed."""
    rng = random.Random(seed)
    names = _Names(seed)
    for _ in range(n):
        yield perturb(pool[rng.randrange(len(pool))], rng, names)


def write_archive(path: Path, rows: Iterator[str]) -> dict[str, Any]:
    """Write ``id,isi_laporan`` rows; return row count, mean words and distinct words."""
    n = words = 0
    vocab: set[str] = set()
    word_re = re.compile(r"\w+")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", TEXT_COLUMN])
        for text in rows:
            n += 1
            tokens = word_re.findall(text.lower())
            words += len(tokens)
            vocab.update(tokens)
            writer.writerow([n, text])
    return {"rows": n, "mean_words": round(words / max(n, 1), 1), "distinct_words": len(vocab),
            "size_mb": round(path.stat().st_size / MB, 1)}


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [row[1] for row in reader]


# --------------------------------------------------------------------------- measuring
def _vm(pid: int) -> tuple[int, int, int]:
    """(VmRSS, VmHWM, RssAnon) of a process in bytes, zeros when it is gone."""
    rss = hwm = anon = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, hwm, anon


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def run_tree(cmd: list[str], env: dict[str, str], interval: float = 0.05) -> dict[str, Any]:
    """Run ``cmd``; return wall and CPU time and the peak RSS of its process tree, sampled from /proc."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        peak_sum, peak_anon, hwm, n_procs, pids = 0, 0, {}, 1, [proc.pid]
        for tick in itertools.count():
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if tick % 10 == 0:  # a scan of /proc costs ~3 ms: look for new processes every 0.5 s only
                pids = _descendants(proc.pid)
                n_procs = max(n_procs, len(pids))
            total = total_anon = 0
            for p in pids:
                rss, high, anon = _vm(p)
                total += rss
                total_anon += anon
                if high:
                    hwm[p] = max(hwm.get(p, 0), high)
            peak_sum = max(peak_sum, total)
            peak_anon = max(peak_anon, total_anon)
            time.sleep(interval)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        err = errors.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return {
        "wall_s": wall,
        # the command and every descendant it waited for (the pool's workers are joined)
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": round(peak_sum / MB, 1),
        "peak_anon_mb": round(peak_anon / MB, 1),
        "sum_vmhwm_mb": round(sum(hwm.values()) / MB, 1),
        "max_process_vmhwm_mb": round(max(hwm.values(), default=0) / MB, 1),
        "processes": n_procs,
    }


RSS_METHOD = (
    "/proc polling of the command's process tree (parent, workers, resource tracker; VmRSS read every 50 ms, "
    "the tree rescanned every 0.5 s): peak_rss_mb is the peak of the summed VmRSS (shared library pages count "
    "once per process); peak_anon_mb the peak of the summed RssAnon (private memory only); sum_vmhwm_mb adds "
    "each process's own VmHWM (an upper bound); psutil is not used"
)


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(THREAD_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH", "")]))
    return env


def run_part(part: str, workdir: Path, **options: Any) -> dict[str, Any]:
    """Run one measuring part of this script in a fresh process and return its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--part", part, "--workdir", str(workdir)]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.run(cmd, env=_worker_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark part {part!r} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- parts (fresh processes)
def _limit_threads() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    warnings.simplefilter("ignore")


class _Clock:
    """Wall and CPU seconds of a block (CPU: this process, which runs one thread)."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _peak_rss_mb() -> float:
    return round(_vm(os.getpid())[1] / MB, 1)


def _import_and_load(estimator: bool = False) -> tuple[Any, dict[str, Any]]:
    """``import maladmin_nlp`` and ``load_model()``, timed: the first thing of a fresh process."""
    with _Clock() as imp:
        import maladmin_nlp
    with _Clock() as load:
        model = maladmin_nlp.load_model(estimator=estimator)
    heavy = sorted({name.split(".")[0] for name in sys.modules} & {"sklearn", "scipy", "joblib"})
    return model, {"import_s": imp.wall, "load_s": load.wall, "load_cpu_s": load.cpu,
                   "loaded_as": type(model).__name__, "heavy_imports": heavy, "load_rss_mb": _peak_rss_mb()}


def part_load(workdir: Path) -> dict[str, Any]:
    return _import_and_load()[1]


def part_load_estimator(workdir: Path) -> dict[str, Any]:
    """The baseline of section 5: the scikit-learn estimator, unpickled from the joblib file."""
    return _import_and_load(estimator=True)[1]


def part_library(workdir: Path, calls: int, warmup: int) -> dict[str, Any]:
    """Cold and warm ``predict`` on the rows, then ``classify(text)`` latency on the warm model."""
    model, out = _import_and_load()
    _limit_threads()
    texts = read_texts(workdir / "rows.csv")
    with _Clock() as cold:
        model.predict(texts)
    with _Clock() as warm:
        model.predict(texts)
    out.update(rows=len(texts), cold_s=cold.wall, cold_cpu_s=cold.cpu, warm_s=warm.wall, warm_cpu_s=warm.cpu,
               peak_rss_mb=_peak_rss_mb())
    for i in range(warmup):
        model.classify(texts[-1 - i % len(texts)])
    wall, cpu = [], []
    for i in range(calls):
        text = texts[i % len(texts)]
        w, c = time.perf_counter(), time.process_time()
        model.classify(text)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    out.update(latency_wall_s=wall, latency_cpu_s=cpu)
    return out


def _naive_preprocess(stemmer: Any, remover: Any, texts: list[str]) -> list[str]:
    return [stemmer.stem(remover.remove(t)) for t in texts]


def part_train(workdir: Path) -> dict[str, Any]:
    """Fit the naive and floor baselines on the packaged corpus once (not timed in the figures)."""
    import joblib
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from maladmin_nlp.datasets import load_corpus

    _limit_threads()
    corpus = load_corpus()
    with _Clock() as naive:
        stemmer = StemmerFactory().create_stemmer()
        remover = StopWordRemoverFactory().create_stop_word_remover()
        prepared = _naive_preprocess(stemmer, remover, corpus.texts)
        vec = TfidfVectorizer()
        svc = LinearSVC(random_state=0).fit(vec.fit_transform(prepared), corpus.labels)
    joblib.dump((vec, svc), workdir / "naive.joblib")
    with _Clock() as floor:
        raw_vec = TfidfVectorizer()
        raw_svc = LinearSVC(random_state=0).fit(raw_vec.fit_transform(corpus.texts), corpus.labels)
    joblib.dump((raw_vec, raw_svc), workdir / "floor.joblib")
    return {"naive_train_s": naive.wall, "floor_train_s": floor.wall, "train_rows": len(corpus.texts)}


def part_baselines(workdir: Path) -> dict[str, Any]:
    """The floor (cold: first pass, warm: second), then the naive pipeline with a fresh stemmer."""
    import joblib
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    _limit_threads()
    naive_vec, naive_svc = joblib.load(workdir / "naive.joblib")
    floor_vec, floor_svc = joblib.load(workdir / "floor.joblib")
    texts = read_texts(workdir / "rows.csv")
    out: dict[str, Any] = {"rows": len(texts)}
    for name in ("cold", "warm"):
        with _Clock() as clock:
            floor_svc.predict(floor_vec.transform(texts))
        out[f"floor_{name}_s"], out[f"floor_{name}_cpu_s"] = clock.wall, clock.cpu
    with _Clock() as cold:  # the stemmer and its word cache are built here, as in a fresh script
        stemmer = StemmerFactory().create_stemmer()
        remover = StopWordRemoverFactory().create_stop_word_remover()
        naive_svc.predict(naive_vec.transform(_naive_preprocess(stemmer, remover, texts)))
    with _Clock() as warm:
        naive_svc.predict(naive_vec.transform(_naive_preprocess(stemmer, remover, texts)))
    out.update(naive_cold_s=cold.wall, naive_cold_cpu_s=cold.cpu, naive_warm_s=warm.wall, naive_warm_cpu_s=warm.cpu)
    return out


PARTS = {"library": part_library, "train": part_train, "baselines": part_baselines, "load": part_load,
         "load_estimator": part_load_estimator}


# --------------------------------------------------------------------------- the run
def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for dist in ("maladmin-nlp", "scikit-learn", "numpy", "scipy", "PySastrawi", "joblib", "threadpoolctl"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rates(runs: list[dict[str, Any]], prefix: str = "") -> dict[str, float]:
    """Median rows/s per wall second and per CPU second, cold and warm."""
    out = {}
    for phase in ("cold", "warm"):
        out[f"{phase}_rows_per_s"] = _median([x["rows"] / x[f"{prefix}{phase}_s"] for x in runs])
        out[f"{phase}_rows_per_cpu_s"] = _median([x["rows"] / x[f"{prefix}{phase}_cpu_s"] for x in runs])
    return out


def _only(run: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k == "rows" or k.startswith(prefix)}


class Runner:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.t0 = time.perf_counter()

    def log(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.t0:7.1f} s] {message}", file=sys.stderr, flush=True)

    def alternate(self, parts: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """``--repeats`` runs of each part, alternating (A B A B ...), so that a change in the
        machine's speed during the benchmark falls on every part alike; returns the runs per part."""
        runs: dict[str, list[dict[str, Any]]] = {part: [] for part in parts}
        for r in range(self.args.repeats):
            for part, options in parts.items():
                self.log(f"{part}: run {r + 1}/{self.args.repeats}")
                runs[part].append(run_part(part, self.workdir, **options))
        return runs

    def label_once(self, csv_path: Path, jobs: int, tag: str) -> dict[str, Any]:
        out = self.workdir / f"labelled_{tag}_{jobs}.csv"
        summary = self.workdir / f"summary_{tag}_{jobs}.json"
        cmd = [sys.executable, "-m", "maladmin_nlp", "label", str(csv_path), "-o", str(out),
               "--text-column", TEXT_COLUMN, "--jobs", str(jobs), "--quiet", "--summary", str(summary)]
        res = run_tree(cmd, _worker_env())
        info = json.loads(summary.read_text(encoding="utf-8"))
        res["rows"] = info["rows"]
        res["rows_per_s"] = info["rows"] / res["wall_s"]
        res["summary_rows_per_s"] = info["rows_per_second"]
        res["labelled"] = info["rows"] - info.get("unlabelled", 0)
        out.unlink()
        summary.unlink()
        return res

    def label(self, csv_path: Path, jobs_values: list[int], repeats: int, tag: str) -> dict[int, dict[str, Any]]:
        """``label`` with each ``--jobs`` value, ``repeats`` times, alternating between the values."""
        runs: dict[int, list[dict[str, Any]]] = {jobs: [] for jobs in jobs_values}
        for r in range(repeats):
            for jobs in jobs_values:
                self.log(f"label {tag} --jobs {jobs}: run {r + 1}/{repeats}")
                runs[jobs].append(self.label_once(csv_path, jobs, tag))
        return {jobs: _label_figures(jobs, of_jobs) for jobs, of_jobs in runs.items()}


def _paired_speedup(a: list[dict[str, Any]], b: list[dict[str, Any]], key_a: str, key_b: str) -> float:
    """Median over the repeats of ``a``'s rows/s over ``b``'s, each run of ``a`` with the run of ``b``
    measured right after it; ``key_a``/``key_b`` name each run's seconds for its ``rows``."""
    return _median([(x["rows"] / x[key_a]) / (y["rows"] / y[key_b]) for x, y in zip(a, b)])


def _label_figures(jobs: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "jobs": jobs,
        "rows_per_s": _median([x["rows_per_s"] for x in runs]),
        "summary_rows_per_s": _median([x["summary_rows_per_s"] for x in runs]),
        "rows_per_cpu_s": _median([x["rows"] / x["cpu_s"] for x in runs]),
        "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
        "peak_anon_mb": max(x["peak_anon_mb"] for x in runs),
        "sum_vmhwm_mb": max(x["sum_vmhwm_mb"] for x in runs),
        "runs": runs,
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    runner = Runner(args, workdir)
    machine = machine_info()
    runner.log(f"building the archive: {args.rows:,} rows")
    pool, sources = source_texts()
    archive = write_archive(workdir / "rows.csv", archive_rows(pool, args.rows, args.seed))
    archive["sources"] = sources
    archive["seed"] = args.seed

    runner.log("training the naive and floor baselines on the packaged corpus (not timed)")
    training = run_part("train", workdir)
    # the calls are spread over the library runs; a small archive gets fewer calls (at least 1,000)
    total_calls = min(args.latency_calls, max(1000, args.rows))
    calls = -(-total_calls // args.repeats)
    paired = runner.alternate({"library": {"calls": calls, "warmup": args.latency_warmup}, "baselines": {}})
    library_runs, baseline_runs = paired["library"], paired["baselines"]
    library = {**_rates(library_runs), "peak_rss_mb": max(x["peak_rss_mb"] for x in library_runs)}
    naive, floor = _rates(baseline_runs, "naive_"), _rates(baseline_runs, "floor_")
    # each ratio is the median of the per-repeat ratios (library run r / baselines run r, back to back)
    ratios = {}
    for unit in ("s", "cpu_s"):
        suffix = "" if unit == "s" else "_cpu"
        for phase in ("cold", "warm"):
            for other in ("naive", "floor"):
                ratios[f"library_over_{other}_{phase}{suffix}"] = _paired_speedup(
                    library_runs, baseline_runs, f"{phase}_{unit}", f"{other}_{phase}_{unit}"
                )

    by_jobs = runner.label(workdir / "rows.csv", [1, 2], args.repeats, "rows")
    label1, label2 = by_jobs[1], by_jobs[2]
    label = {
        "command": f"python -m maladmin_nlp label rows.csv -o out.csv --text-column {TEXT_COLUMN} --jobs J "
                   "--quiet --summary s.json (the maladmin-nlp entry point)",
        "rss_method": RSS_METHOD,
        "jobs1": label1,
        "jobs2": label2,
        "speedup_jobs2_over_jobs1": _paired_speedup(label2["runs"], label1["runs"], "wall_s", "wall_s"),
    }

    wall = [t for x in library_runs for t in x.pop("latency_wall_s")]
    cpu = [t for x in library_runs for t in x.pop("latency_cpu_s")]
    latency = {
        "calls": len(wall),
        "processes": len(library_runs),
        "warmup_calls": args.latency_warmup,
        "median_ms": statistics.median(wall) * 1000,
        "p99_ms": _pct(wall, 0.99) * 1000,
        "max_ms": max(wall) * 1000,
        "median_cpu_ms": statistics.median(cpu) * 1000,
        "p99_cpu_ms": _pct(cpu, 0.99) * 1000,
    }

    extra = max(0, args.load_samples - len(library_runs))
    load_runs = [{k: x[k] for k in ("import_s", "load_s", "load_cpu_s", "load_rss_mb")} for x in library_runs]
    for i in range(extra):
        runner.log(f"load_model() in a fresh process: {i + 1}/{extra}")
        load_runs.append(run_part("load", workdir))
    estimator_runs = []
    for i in range(max(1, args.load_samples)):
        runner.log(f"load_model(estimator=True) in a fresh process: {i + 1}/{max(1, args.load_samples)}")
        estimator_runs.append(run_part("load_estimator", workdir))
    from maladmin_nlp.persistence import compact_path, default_model_path

    model_file = default_model_path()
    compact_file = compact_path(model_file)
    model = {
        "path": str(model_file),
        "file_mb": round(model_file.stat().st_size / MB, 2),
        "compact_file_mb": round(compact_file.stat().st_size / MB, 2) if compact_file.exists() else None,
        "loaded_as": library_runs[0]["loaded_as"],
        "heavy_imports": library_runs[0]["heavy_imports"],
        "load_s": _median([x["load_s"] for x in load_runs]),
        "load_cpu_s": _median([x["load_cpu_s"] for x in load_runs]),
        "load_rss_mb": _median([x["load_rss_mb"] for x in load_runs]),
        "import_s": _median([x["import_s"] for x in load_runs]),
        "load_samples": len(load_runs),
        "runs": load_runs,
        "estimator_load_s": _median([x["load_s"] for x in estimator_runs]),
        "estimator_load_rss_mb": _median([x["load_rss_mb"] for x in estimator_runs]),
        "estimator_runs": estimator_runs,
    }

    million: dict[str, Any] = {"skipped": True}
    if args.million:
        runner.log("building the 1,000,000-row archive")
        big = workdir / "million.csv"
        million_archive = write_archive(big, archive_rows(pool, 1_000_000, args.seed + 1))
        million = {"skipped": False, "archive": million_archive, "rss_method": RSS_METHOD}
        for jobs, figures in runner.label(big, args.million_jobs, 1, "million").items():
            million[f"jobs{jobs}"] = figures
        big.unlink()

    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "benchmark": "maladmin_nlp issue 6",
        "rows": args.rows,
        "repeats": args.repeats,
        "threads": "one thread per process: " + ", ".join(f"{k}=1" for k in THREAD_ENV)
                   + " and threadpoolctl.threadpool_limits(1) in every measuring process",
        "machine": machine,
        "archive": archive,
        "training": training,
        "library": {**library, "runs": library_runs},
        "naive": {**naive, "runs": [_only(x, "naive_") for x in baseline_runs]},
        "floor": {**floor, "runs": [_only(x, "floor_") for x in baseline_runs]},
        "ratios": ratios,
        "label": label,
        "model": model,
        "million": million,
        "latency": latency,
        "elapsed_s": time.perf_counter() - runner.t0,
    }
    result["targets"] = targets(result)
    return result


def targets(res: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The targets of issue 6, each with the measured value and whether it is met."""
    lab = res["label"]
    out = {
        "warm_end_to_end_vs_floor": {"target": ">= 0.50x the floor's rows/s (warm, one core)",
                                      "value": res["ratios"]["library_over_floor_warm"], "min": 0.5},
        "warm_end_to_end_vs_naive": {"target": "> 1.0x the naive pipeline's rows/s (warm, one core)",
                                      "value": res["ratios"]["library_over_naive_warm"], "min": 1.0},
        "label_jobs2_speedup": {"target": "label --jobs 2 >= 1.7x --jobs 1",
                                "value": lab["speedup_jobs2_over_jobs1"], "min": 1.7},
        "label_jobs2_rows_per_s": {"target": "label --jobs 2 >= 15,000 rows/s",
                                   "value": lab["jobs2"]["rows_per_s"], "min": 15000},
        "model_load_s": {"target": "load_model() < 1 s", "value": res["model"]["load_s"], "max": 1.0},
        "classify_p99_ms": {"target": "classify p99 < 10 ms (warm)", "value": res["latency"]["p99_ms"],
                            "max": 10.0},
    }
    if not res["million"]["skipped"]:
        peak = max(v["peak_rss_mb"] for k, v in res["million"].items() if k.startswith("jobs"))
        out["million_peak_rss_mb"] = {"target": "1,000,000 rows < 500 MB peak RSS", "value": peak, "max": 500}
    for t in out.values():
        t["met"] = t["value"] >= t["min"] if "min" in t else t["value"] < t["max"]
    return out


# --------------------------------------------------------------------------- the table
def _f(x: float) -> str:
    return f"{x:,.0f}"


def print_table(res: dict[str, Any]) -> None:
    m, a = res["machine"], res["archive"]
    v = m["versions"]
    print(f"maladmin_nlp benchmark (issue 6): {a['rows']:,} rows, median of {res['repeats']} run(s) each")
    print(f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['memory_gb']} GB, {m['os']}, "
          f"Python {m['python']}")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    print(f"load average (1/5/15 min): {m['load_average_start']} at start, {m['load_average_end']} at end"
          + ("  <- machine shared/busy: trust the per-CPU-second figures more" if max(
              m["load_average_start"][0], m["load_average_end"][0]) > 0.75 * m["usable_cores"] else ""))
    print(f"threads: {res['threads']}")
    print(f"archive: {a['rows']:,} rows, {a['mean_words']} words on average, {a['distinct_words']:,} distinct words, "
          f"{a['size_mb']} MB CSV; sources: " + ", ".join(f"{k} {n:,}" for k, n in a["sources"].items())
          + f"; seed {a['seed']}")
    print()
    lib, nai, flo, r = res["library"], res["naive"], res["floor"], res["ratios"]
    print("1, 3, 4. one core, preprocess + features + predict: rows/s per wall second (per CPU second)")
    print(f"  {'pipeline':40s} {'cold':>17s} {'warm':>17s}   {'library / this pipeline':>27s}")
    print(f"  {'':40s} {'':>17s} {'':>17s}   {'cold':>13s} {'warm':>13s}")

    def rates(x: dict[str, float], phase: str) -> str:
        return f"{_f(x[f'{phase}_rows_per_s']):>7s} ({_f(x[f'{phase}_rows_per_cpu_s']):>7s})"

    def ratio(name: str, phase: str) -> str:
        return f"{r[f'library_over_{name}_{phase}']:>5.2f}x ({r[f'library_over_{name}_{phase}_cpu']:.2f}x)"

    print(f"  {'maladmin_nlp load_model().predict':40s} {rates(lib, 'cold')} {rates(lib, 'warm')}")
    print(f"  {'naive: Sastrawi stem(remove()), TF-IDF+SVC':40s} {rates(nai, 'cold')} {rates(nai, 'warm')}   "
          f"{ratio('naive', 'cold'):>13s} {ratio('naive', 'warm'):>13s}")
    print(f"  {'floor: TF-IDF+SVC on the raw text':40s} {rates(flo, 'cold')} {rates(flo, 'warm')}   "
          f"{ratio('floor', 'cold'):>13s} {ratio('floor', 'warm'):>13s}")
    print(f"  (peak RSS of the library process holding all {a['rows']:,} rows: {lib['peak_rss_mb']:,.0f} MB)")
    print()
    lab = res["label"]
    print("2. maladmin-nlp label, CSV -> CSV: rows/s of the whole command (start-up and model load included)")
    print(f"  {'':10s} {'rows/s':>8s} {'in-run':>8s} {'per CPU-s':>10s} {'peak RSS of the tree':>21s} "
          f"{'(anonymous)':>12s}")
    for key in ("jobs1", "jobs2"):
        x = lab[key]
        print(f"  --jobs {x['jobs']:<3d} {_f(x['rows_per_s']):>8s} {_f(x['summary_rows_per_s']):>8s} "
              f"{_f(x['rows_per_cpu_s']):>10s} {x['peak_rss_mb']:>18,.0f} MB {x['peak_anon_mb']:>9,.0f} MB")
    print(f"  --jobs 2 / --jobs 1: {lab['speedup_jobs2_over_jobs1']:.2f}x.  in-run: label_file's own rows/s, after "
          "the parent loaded the model.")
    print("  RSS: summed VmRSS (and RssAnon) of the command's processes, sampled every 50 ms from /proc.")
    print()
    mo = res["model"]
    print("5. model")
    print(f"  load_model(): {mo['load_s'] * 1000:,.0f} ms (CPU {mo['load_cpu_s'] * 1000:,.0f} ms), median of "
          f"{mo['load_samples']} fresh processes; import maladmin_nlp {mo['import_s'] * 1000:,.0f} ms before it; "
          f"returns {mo['loaded_as']}, imports {', '.join(mo['heavy_imports']) or 'no scikit-learn/SciPy/joblib'}; "
          f"peak RSS after loading {mo['load_rss_mb']:,.0f} MB")
    print(f"  baseline, load_model(estimator=True) (unpickles the scikit-learn estimator): "
          f"{mo['estimator_load_s'] * 1000:,.0f} ms, peak RSS {mo['estimator_load_rss_mb']:,.0f} MB; "
          f"compact / estimator load time: {mo['load_s'] / mo['estimator_load_s']:.2f}x")
    print(f"  files: {Path(mo['path']).name} {mo['file_mb']} MB"
          + (f", compact form {mo['compact_file_mb']} MB" if mo["compact_file_mb"] is not None else ""))
    mil = res["million"]
    if mil["skipped"]:
        print("  1,000,000-row CSV: skipped (pass --million)")
    else:
        for key in sorted(k for k in mil if k.startswith("jobs")):
            x = mil[key]
            one = x["runs"][0]
            print(f"  1,000,000-row CSV, label --jobs {x['jobs']}: peak RSS {x['peak_rss_mb']:,.0f} MB "
                  f"(anonymous {x['peak_anon_mb']:,.0f} MB; largest process {one['max_process_vmhwm_mb']:,.0f} MB), "
                  f"{_f(x['rows_per_s'])} rows/s, {one['wall_s']:,.0f} s")
    print()
    lat = res["latency"]
    print(f"6. model.classify(text) on a warm model, one complaint per call: {lat['calls']:,} calls in "
          f"{lat['processes']} process(es)")
    print(f"  median {lat['median_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms, max {lat['max_ms']:.1f} ms "
          f"(CPU time: median {lat['median_cpu_ms']:.2f} ms, p99 {lat['p99_cpu_ms']:.2f} ms)")
    print()
    print("targets of issue 6 (wall-clock figures)")
    for t in res["targets"].values():
        value = t["value"]
        shown = f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
        print(f"  {'met   ' if t['met'] else 'MISSED'} {t['target']:52s} measured {shown}")
    print(f"\n(total benchmark time {res['elapsed_s']:,.0f} s)")


# --------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the archive (default: 200,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; medians are reported (default: 3)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure, and each run, as JSON")
    parser.add_argument("--million", action="store_true",
                        help="also label a 1,000,000-row CSV and report its peak RSS (takes minutes)")
    parser.add_argument("--million-jobs", type=lambda s: [int(x) for x in s.split(",")], default=[1],
                        metavar="J[,J]", help="--jobs values for the million-row run (default: 1)")
    parser.add_argument("--latency-calls", type=int, default=3000,
                        help="classify() calls timed, spread over the library runs (default: 3000, but no more "
                        "than max(1000, rows))")
    parser.add_argument("--latency-warmup", type=int, default=100,
                        help="classify() calls before timing, in each run (default: 100)")
    parser.add_argument("--load-samples", type=int, default=3,
                        help="fresh processes timing load_model(); the library runs count (default: 3)")
    parser.add_argument("--seed", type=int, default=6, help="seed of the archive's sampling and perturbations")
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.part:  # one measuring part, in a fresh process started by run_part()
        opts = {"calls": args.calls, "warmup": args.warmup} if args.part == "library" else {}
        print(json.dumps(PARTS[args.part](Path(args.workdir), **opts)))
        return 0
    if args.rows < 1 or args.repeats < 1:
        parser.error("--rows and --repeats must be at least 1")
    with tempfile.TemporaryDirectory(prefix="maladmin-bench-") as tmp:
        result = run(args, Path(tmp))
    print_table(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
