"""The built wheel is a complete program: it carries the Cypher catalogue, the data synth needs (with their
licences), the model, the web assets and the Neo4j pom, and runs synth → ingest → check from a folder with no
source tree and no ``../shared`` beside it.

The wheel is installed with ``pip install --no-deps --target`` into an empty folder and run with that folder
as the only ``PYTHONPATH`` entry (safe-path mode, so the working folder is not searched); the dependencies
come from the current environment. A subprocess first proves that ``graphaudit`` is imported from the install
folder, not from this checkout (which the environment's editable install would otherwise provide).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "graphaudit"


def _package_data_in_source() -> set[str]:
    """Every non-Python file of the package in the checkout, as a wheel member name."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }


def _backend_installed() -> bool:
    """True when this environment satisfies ``[build-system] requires`` (then the wheel is built with it, no
    download); otherwise pip builds in an isolated environment and fetches the backend."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"][
        "requires"
    ]
    for spec in requires:
        req = Requirement(spec)
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            if req.name == "wheel":  # setuptools >= 70.1 builds wheels itself
                continue
            return False
        if not req.specifier.contains(version, prereleases=True):
            return False
    return True


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout so that no ``build/`` or stale file lands in or comes
    from it."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "graphaudit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = base / "dist"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--disable-pip-version-check",
        "-q",
        "-w",
        str(out),
    ]
    if _backend_installed():
        cmd.append("--no-build-isolation")
    done = subprocess.run([*cmd, str(src)], cwd=base, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("graphaudit-*.whl")
    return built


def test_wheel_carries_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_package_data_in_source() - names)
    assert not missing, f"package files left out of the wheel: {missing}"
    # the pieces a run needs, named so that a source tree that lost them fails too
    cypher = {n for n in names if n.startswith("graphaudit/cypher/") and n.endswith(".cypher")}
    assert {f"graphaudit/cypher/{p.name}" for p in (PACKAGE / "cypher").glob("*.cypher")} <= cypher
    assert "graphaudit/cypher/kin_approved_subsidy.cypher" in cypher
    for folder in ("admin-divisions", "surnames"):
        assert f"graphaudit/data/{folder}/LICENSE" in names
        assert any(n.startswith(f"graphaudit/data/{folder}/") and n.endswith(".csv") for n in names), folder
    for name in (
        "model.yaml",
        "neo4j_local/pom.xml",
        "web/templates/base.html",
        "web/vendor/vis-network.min.js",
    ):
        assert f"graphaudit/{name}" in names
    assert not any(n.startswith(("tests/", "benchmarks/", "notebooks/")) for n in names)


def test_installed_wheel_runs_synth_ingest_check_without_source(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q"]
        + ["--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    script = target / "bin" / "graphaudit"
    assert script.is_file()

    work = tmp_path / "run" / "here"
    work.mkdir(parents=True)
    assert not (work.parent / "shared").exists() and not (work / "graphaudit").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GRAPHAUDIT_"))}
    env |= {"PYTHONPATH": str(target), "PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1", "NO_COLOR": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done

    probe = run(
        sys.executable,
        "-c",
        "import json, graphaudit, graphaudit.checks as c, graphaudit.data as d; "
        "print(json.dumps([graphaudit.__file__, d.__file__, sorted(c.CHECKS)]))",
    )
    package_file, data_file, checks = json.loads(probe.stdout)
    for f in (package_file, data_file):
        assert Path(f).resolve().is_relative_to(target.resolve()), (
            f"imported from {f}, not the installed wheel"
        )
    assert len(checks) >= 10

    run(str(script), "synth", "--size", "village", "data")
    truth = json.loads((work / "data" / "truth.json").read_text(encoding="utf-8"))
    assert truth["size"] == "village"
    run(str(script), "ingest", "data", "--db", "store")
    run(str(script), "check", "--db", "store", "--out", "findings.json")

    findings = json.loads((work / "findings.json").read_text(encoding="utf-8"))
    assert findings, "no findings on the synthetic village"
    # the village plants a case for every check the synthetic data covers: each of those ran and found it
    from graphaudit.synth.cases import ORDER as planted

    found = {f["check"] for f in findings}
    assert found <= set(checks)
    assert set(planted) <= found, set(planted) - found
    assert all(f["finding_id"] and f["explanation"] for f in findings)
