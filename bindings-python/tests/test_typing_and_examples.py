"""The type stubs match the compiled module (``mypy.stubtest``), the package
and the examples type-check under ``mypy --strict``, and the examples run."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"


def run(*args, cwd, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def test_stubs_match_the_extension_module(tmp_path):
    # Run outside the repository so only the installed package is seen.
    r = run("-m", "mypy.stubtest", "vallum", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success" in r.stdout


def test_package_and_examples_type_check_strictly(tmp_path):
    files = sorted(str(p) for p in EXAMPLES.glob("*.py"))
    assert len(files) == 4
    for target in (["-p", "vallum"], files):
        r = run("-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), *target,
                cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr


def test_stubtest_catches_a_wrong_stub(tmp_path):
    # The check has teeth: a stub whose parameter name is wrong fails it.
    import vallum
    pkg = pathlib.Path(vallum.__file__).parent
    shadow = tmp_path / "vallum"
    shadow.mkdir()
    for f in ("__init__.py", "py.typed"):
        (shadow / f).write_bytes((pkg / f).read_bytes())
    stub = (pkg / "_vallum.pyi").read_text()
    assert "def advance_clock(self, ms" in stub
    (shadow / "_vallum.pyi").write_text(stub.replace("def advance_clock(self, ms",
                                                     "def advance_clock(self, who"))
    so = next(pkg.glob("_vallum*.so"))
    (shadow / so.name).symlink_to(so)
    r = run("-m", "mypy.stubtest", "vallum", cwd=tmp_path)
    assert r.returncode != 0 and "advance_clock" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("name, expect", [
    ("guard_chat.py", ["to the model: Write to <EMAIL_ADDRESS_1> that card <CREDIT_CARD_1>",
                       "user sees: Done: I drafted the note for jane.doe@example.com",
                       "<PHONE_NUMBER>", "decisions: ['allow', 'deny', 'deny']"]),
    ("memory_scopes.py", ["alice's tone: {'scope': 'user', 'value': 'concise'}",
                          "after a minute, draft = None", "after restart, bob's language = de",
                          "wrong key refused: KeyMismatch", "audit intact: True"]),
    ("cost_report.py", ["engineering", "suggestion:", "budget_warning"]),
    ("spacy_recognizer.py", ["'Project Nightingale'", "by spacy", "'type 2 diabetes'",
                             "to the model: Draft an update on <PROJECT_1>",
                             "entities: ['MEDICAL_CONDITION', 'PROJECT']"]),
])
def test_examples_run(name, expect, tmp_path):
    r = run(str(EXAMPLES / name), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for line in expect:
        assert line in r.stdout, (line, r.stdout)
