"""The README's commands on every supported interpreter: constraints.txt resolves on each.

``make`` installs ``-e ".[book,grading,dev]"`` with ``-c constraints.txt``. A pin whose
release needs a newer Python than a supported one (soupsieve 4 needs 3.11.5; Debian 12
ships 3.11.2) makes pip fail there with a resolver trace. This test asks pip on every
supported interpreter found on the machine (Debian's, pyenv's, PATH's); under ``CI=true``
fewer than two is a failure, not a skip. ``tools/lock_constraints.py`` writes the file.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lock_constraints", ROOT / "tools/lock_constraints.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)

INTERPRETERS = lock.interpreters()


def test_ci_tries_at_least_two_interpreters():
    found = [str(p) for p in INTERPRETERS]
    if os.environ.get("CI") != "true" and len(found) < 2:
        pytest.skip(f"only {found} here; CI requires two")
    assert len(found) >= 2, f"supported interpreters found: {found}"


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("python", INTERPRETERS, ids=str)
def test_constraints_resolve(python, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True,
                   capture_output=True)
    proc = subprocess.run([*pip, "install", "--dry-run", "--quiet", "-c", "constraints.txt",
                           "-e", ".[book,grading,dev]"], cwd=ROOT, capture_output=True, text=True)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert proc.returncode == 0, f"{python}: pip cannot install the pins:\n" + "\n".join(errors)


def test_one_pin_where_the_interpreters_agree():
    resolutions = [("3.11.2", {"numpy": ("2.4.6", ">=3.11")}),
                   ("3.13.0", {"numpy": ("2.4.6", ">=3.11")})]
    assert lock.merge(resolutions) == ["numpy==2.4.6"]


def test_markers_at_the_requires_python_bound():
    # soupsieve 4.1.3 needs 3.11.5: 3.11.2 gets 2.9.2, from 3.11.5 on 4.1.3
    resolutions = [("3.11.2", {"soupsieve": ("2.9.2", ">=3.10")}),
                   ("3.11.7", {"soupsieve": ("4.1.3", ">=3.11.5")}),
                   ("3.13.0", {"soupsieve": ("4.1.3", ">=3.11.5")})]
    assert lock.merge(resolutions) == [
        'soupsieve==2.9.2; python_full_version < "3.11.5"',
        'soupsieve==4.1.3; python_full_version >= "3.11.5"',
    ]


def test_three_ranges_and_a_bound_pip_does_not_state():
    # no Requires-Python bound between the interpreters: the newer interpreter is the bound
    resolutions = [("3.11.2", {"x": ("1", "")}), ("3.12.1", {"x": ("2", ">=3.8")}),
                   ("3.13.0", {"x": ("3", ">=3.13")})]
    assert lock.merge(resolutions) == [
        'x==1; python_full_version < "3.12.1"',
        'x==2; python_full_version >= "3.12.1" and python_full_version < "3.13"',
        'x==3; python_full_version >= "3.13"',
    ]


def test_the_pins_apply_to_the_interpreter_they_name():
    from packaging.requirements import Requirement

    pins = [Requirement(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    for version in ("3.11.2", "3.11.7", "3.12.1", "3.13.0"):
        env = {"python_full_version": version, "python_version": version.rsplit(".", 1)[0]}
        chosen = {}
        for req in pins:
            if req.marker is None or req.marker.evaluate(env):
                assert req.name not in chosen, f"{req.name} pinned twice for Python {version}"
                chosen[req.name] = req
        assert "torch" in chosen and str(chosen["torch"].specifier) == "==2.13.0"
