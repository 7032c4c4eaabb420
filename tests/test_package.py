"""Packaging promises: optional dependencies stay optional, the public API is typed and exported."""

import subprocess
import sys
import textwrap

import maladmin_nlp

OPTIONAL = ["pandas", "pyarrow", "openpyxl", "matplotlib", "dask", "distributed", "skops", "nbclient"]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)


def test_import_pulls_in_no_optional_dependency_or_sklearn():
    result = _run(
        f"""
        import sys, maladmin_nlp
        bad = [m for m in {OPTIONAL!r} + ["sklearn"] if m in sys.modules]
        print(bad)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_core_works_with_every_optional_dependency_blocked():
    result = _run(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {OPTIONAL!r}:
                    raise ImportError("blocked " + name)
        sys.meta_path.insert(0, Block())
        from maladmin_nlp import ComplaintClassifier, redact
        x = ["KTP belum jadi 3 bulan", "diminta uang 200rb", "KK belum jadi", "uang rokok 50 ribu"] * 3
        clf = ComplaintClassifier(calibration_cv=2).fit(x, ["a", "b"] * 6)
        print(clf.classify("akta belum jadi").label, redact("hp 081234567890"))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["a", "hp", "[TELEPON]"]


def test_public_api_is_exported():
    for name in maladmin_nlp.__all__:
        assert getattr(maladmin_nlp, name) is not None
    assert "ComplaintClassifier" in dir(maladmin_nlp)


def test_py_typed_marker_ships():
    from importlib import resources

    assert resources.files("maladmin_nlp").joinpath("py.typed").is_file()


def test_readme_developer_example_shows_what_the_shipped_model_says():
    """The README's `p.label` ... `p.other_labels` lines are the real output, not an illustration."""
    import re
    from pathlib import Path

    import pytest

    from maladmin_nlp.persistence import default_model_path

    readme = Path(__file__).resolve().parents[1] / "README.md"
    if not readme.exists() or not default_model_path().exists():
        pytest.skip("needs the repository's README and the shipped model")
    text = readme.read_text(encoding="utf-8")
    example = re.search(r'p = model\.classify\("([^"]+)"\)', text)
    assert example is not None
    p = maladmin_nlp.load_model().classify(example.group(1))
    shown = dict(re.findall(r"^p\.(\w+) +# (.*)$", text, flags=re.M))
    assert shown["label"] == repr(p.label)
    assert shown["label_name"] == repr(p.label_name)
    assert shown["confidence"].startswith(f"{p.confidence:.2f},")
    assert shown["needs_review"].startswith(f"{p.needs_review};")
    top3 = ", ".join(f"({word!r}, {weight:.3f})" for word, weight in p.evidence[:3])
    assert shown["evidence"].startswith(f"(({top3[1:]}, ...)")
    assert shown["other_labels"].startswith(f"{p.other_labels!r}:")
