"""Faults: killed runs, full disks, unwritable outputs, dying workers, and threads sharing a model.

The kill and worker tests run the real ``maladmin-nlp label`` command in subprocesses and signal
it at random points (seeded); the disk tests fill a small tmpfs when the tests run as root (where
``mount`` works) and otherwise write through ``/dev/full``. None of them asserts on timing.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import importlib.util
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from maladmin_nlp import load_model
from maladmin_nlp.batch import label_file, state_path
from maladmin_nlp.cli import main
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.io import partial_path
from maladmin_nlp.persistence import default_model_path

N_ROWS = 2000
HEADER = ["no", "tanggal", "isi_laporan"]
LINUX = sys.platform.startswith("linux")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, write_csv: Callable[..., Path], complaints: list[str]) -> Path:
    rows = [
        [str(i + 1), f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}", f"{complaints[i % 8]} ({i})" if i % 53 else ""]
        for i in range(N_ROWS)
    ]
    return write_csv(tmp_path_factory.mktemp("arsip") / "arsip.csv", HEADER, rows)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, archive: Path, model_path: Path) -> dict[str, bytes]:
    """The uninterrupted output, per format."""
    d = tmp_path_factory.mktemp("referensi")
    out = {}
    for fmt in ("csv", "jsonl", *(["parquet"] if importlib.util.find_spec("pyarrow") else [])):
        assert main(["label", str(archive), "-o", str(d / f"ref.{fmt}"), "--model", str(model_path), "-q"]) == 0
        out[fmt] = (d / f"ref.{fmt}").read_bytes()
    return out


# --------------------------------------------------------------------------- processes
def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    """The pool's worker processes of the command ``pid`` (spawned by multiprocessing)."""
    out = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            out.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def _rows_done(out: Path) -> int:
    try:
        return int(json.loads(state_path(out).read_text(encoding="utf-8"))["rows_done"])
    except (OSError, ValueError, KeyError):
        return 0


def _resume(archive: Path, out: Path, model_path: Path, *extra: str) -> int:
    return main(["label", str(archive), "-o", str(out), "--model", str(model_path), "--resume", "-q", *extra])


# --------------------------------------------------------------------------- killed and resumed
@pytest.mark.skipif(not LINUX, reason="reads /proc to find the worker processes")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_runs_killed_at_random_points_resume_to_the_uninterrupted_output(
    seed: int,
    tmp_path: Path,
    archive: Path,
    model_path: Path,
    reference: dict[str, bytes],
    start_cli: Callable[..., subprocess.Popen[str]],
) -> None:
    rng = random.Random(seed)
    fmt = ("csv", "jsonl", "csv")[seed]
    out = tmp_path / f"hasil.{fmt}"
    interrupted = []
    for attempt in range(1 + (seed == 2)):  # the last seed is killed twice: once more while resuming
        chunk = rng.choice([7, 25, 64])
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
        target = rng.randint(0, N_ROWS // 3)
        args = ["label", archive, "-o", out, "--model", model_path, "--chunk-size", chunk, "-q"]
        for _ in range(4):
            proc = start_cli(*args, *(["--resume"] if attempt else []))
            _wait_until(lambda: proc.poll() is not None or _rows_done(out) >= target)  # noqa: B023
            time.sleep(rng.uniform(0, 0.05))  # somewhere inside the next chunk
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0 or attempt:
                break
            # the whole run beat the signal (the archive repeats 8 complaints): start again, killing earlier
            out.unlink()
            target //= 4
        interrupted.append(proc.returncode != 0)
        if proc.returncode != 0:
            assert not out.exists(), "a killed run left an output that looks complete"
            assert "Traceback" not in err or sig == signal.SIGINT, err  # SIGINT during start-up
    assert any(interrupted), "every run ended before it could be killed"

    assert _resume(archive, out, model_path, "--chunk-size", str(rng.choice([10, 2000]))) == 0
    assert out.read_bytes() == reference[fmt]  # no row lost, duplicated or changed
    assert not partial_path(out).exists() and not state_path(out).exists()


@pytest.mark.skipif(not LINUX, reason="reads /proc to find the worker processes")
def test_a_worker_killed_under_jobs_2_fails_the_run_loudly(
    tmp_path: Path,
    archive: Path,
    model_path: Path,
    reference: dict[str, bytes],
    start_cli: Callable[..., subprocess.Popen[str]],
) -> None:
    out = tmp_path / "hasil.csv"
    proc = start_cli("label", archive, "-o", out, "--model", model_path, "--jobs", 2, "--chunk-size", 4)
    assert _wait_until(lambda: proc.poll() is not None or len(_workers(proc.pid)) == 2)
    assert _wait_until(lambda: proc.poll() is not None or _rows_done(out) >= 20)
    workers = _workers(proc.pid)
    assert proc.poll() is None and len(workers) == 2, "the run ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("maladmin-nlp: error: a worker process died (killed, or out of memory?) while handling rows")
    assert "are saved in hasil.csv.partial: resume the run (--resume)" in last and "Traceback" not in err
    assert not out.exists() and partial_path(out).exists()
    assert 20 <= _rows_done(out) < N_ROWS  # the chunk of the dead worker was not dropped: not counted as done
    assert _wait_until(lambda: not _alive(workers[1]), 60), "the other worker outlived the run"

    assert _resume(archive, out, model_path, "--jobs", "1") == 0
    assert out.read_bytes() == reference["csv"]


# --------------------------------------------------------------------------- full disk
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (needs root and mount: skipped otherwise)."""
    if not LINUX or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    disk = tmp_path / "disk"
    disk.mkdir()
    with _tmpfs(disk, "size=64k"):
        yield disk


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[None]:
    """Mount a tmpfs with ``options`` on ``folder`` for the block (skips the test if mounting fails)."""
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}): {done.stderr.decode(errors='replace').strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_full_disk_stops_with_a_clear_error_and_resumes_once_there_is_room(
    fmt: str,
    small_disk: Path,
    archive: Path,
    model_path: Path,
    reference: dict[str, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out = small_disk / f"hasil.{fmt}"
    argv = ["label", str(archive), "-o", str(out), "--model", str(model_path), "--chunk-size", "100", "-q"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"maladmin-nlp: error: [Errno 28] cannot write the output hasil.{fmt}: the disk holding {small_disk} is full "
        "(No space left on device); "
    ), err
    assert err.count("\n") == 1 and "Traceback" not in err
    # nothing that looks complete, no temporary file left behind: the partial output and its state only
    assert sorted(os.listdir(small_disk)) == [f"hasil.{fmt}.partial", f"hasil.{fmt}.state.json"]
    saved = _rows_done(out)
    assert f"the {saved:,} rows done are saved in hasil.{fmt}.partial: free some space, then resume" in err

    grow = subprocess.run(["mount", "-o", "remount,size=32m", str(small_disk)], capture_output=True)
    assert grow.returncode == 0, grow.stderr
    assert _resume(archive, out, model_path) == 0
    assert os.listdir(small_disk) == [f"hasil.{fmt}"]
    if fmt == "parquet":  # the same table (the file's metadata may differ)
        pq = pytest.importorskip("pyarrow.parquet")
        assert pq.read_table(out).equals(pq.read_table(io.BytesIO(reference[fmt])))
    else:
        assert out.read_bytes() == reference[fmt]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_writes_that_fail_with_enospc_leave_no_output(tmp_path: Path, archive: Path, model_path: Path) -> None:
    """Without root: the partial output is a link to /dev/full, where every write fails with ENOSPC."""
    out = tmp_path / "hasil.csv"
    partial_path(out).symlink_to("/dev/full")
    with pytest.raises(OSError, match=r"the disk holding .* is full .*free some space or choose another output") as e:
        label_file(archive, out, model=model_path)
    assert e.value.errno == errno.ENOSPC
    assert not out.exists() and not state_path(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hasil.csv.partial"]


# --------------------------------------------------------------------------- unwritable output
@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may write to: a read-only tmpfs for root, else a directory without write permission."""
    folder = tmp_path / "hanya_baca"
    folder.mkdir()
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("mount") is None:
        pytest.skip("root writes anywhere; a read-only mount needs mount")
    with _tmpfs(folder, "ro,size=64k"):
        yield folder


@pytest.mark.parametrize("where", ["hasil.csv", "sub/dir/hasil.csv"])
@pytest.mark.parametrize("command", ["label", "redact"])
def test_an_unwritable_output_directory_is_refused_before_any_work(
    where: str, command: str, read_only_dir: Path, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = read_only_dir / where
    argv = [command, str(archive), "-o", str(out)]
    if command == "label":  # a model that does not exist: the output is checked before any model is loaded
        argv += ["--model", str(tmp_path / "tidak_ada.joblib")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err == (
        f"maladmin-nlp: error: [Errno 13] cannot write the output {out}: the directory {read_only_dir} is not "
        "writable (no permission, or a read-only file system); choose another output\n"
    )
    assert list(read_only_dir.iterdir()) == []


def test_an_output_under_a_file_or_on_a_directory_is_a_usage_error(
    tmp_path: Path, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_model = str(tmp_path / "tidak_ada.joblib")
    assert main(["label", str(archive), "-o", str(archive / "hasil.csv"), "--model", missing_model]) == 2
    assert f"{archive} is a file, not a directory; choose another output" in capsys.readouterr().err
    (tmp_path / "keluaran.csv").mkdir()
    assert main(["label", str(archive), "-o", str(tmp_path / "keluaran.csv"), "--model", missing_model]) == 2
    assert "keluaran.csv is a directory; give a file name" in capsys.readouterr().err


# --------------------------------------------------------------------------- threads
@pytest.mark.skipif(not default_model_path().exists(), reason="default model not built")
def test_eight_threads_on_one_model_give_what_one_thread_gives() -> None:
    """Eight threads start together on a freshly loaded default model whose caches are tiny, so that
    every thread fills, reads and empties the shared caches all the time."""
    corpus = load_corpus()
    awkward = ["", "😡😡", "<b>pungli</b> 200rb", "NIK 3578011203850002 hp 0812-3456-7890", "KTP\u200b belum jadi"]
    texts = [*list(dict.fromkeys(corpus.texts[::71]))[:60], *awkward]
    shared = load_model()
    reference_model = copy.deepcopy(shared)  # cold as well, used by one thread only
    expected = {t: reference_model.classify(t) for t in texts}
    expected_batch = reference_model.classify(texts)
    shared.pipeline.cache_size = 16

    barrier = threading.Barrier(8)
    results: dict[int, tuple[dict[str, object], list[object]]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        order = list(texts)
        random.Random(k).shuffle(order)
        try:
            barrier.wait()
            one_by_one = {t: shared.classify(t) for t in order}
            results[k] = (one_by_one, list(shared.classify(texts)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 8
    for one_by_one, batch in results.values():
        assert one_by_one == expected
        assert batch == expected_batch
