"""The offline bundle (scripts/bundle.py, issue 21).

Built here with the package index (``pip download`` of the pins in requirements/bundle.lock), then carried
into a network namespace without any network (``unshare -n``, root) where install.sh installs it and
``graphaudit demo`` and ``graphaudit neo4j start|status|stop`` run: anything fetched from the network at
install or run time fails there.  A second build of the same inputs must give the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The build runs on the test's interpreter: its venv is the "connected build machine".
BUILD = [sys.executable, str(ROOT / "scripts" / "bundle.py"), "build", "--neo4j", "auto"]


def _load_bundle() -> ModuleType:
    spec = importlib.util.spec_from_file_location("graphaudit_bundle", ROOT / "scripts" / "bundle.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bundle = _load_bundle()


def _require_netns() -> None:
    """unshare -n needs root (or user namespaces); CI (GRAPHAUDIT_REQUIRE_NEO4J=1) runs as root."""
    ok = (
        shutil.which("unshare")
        and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )
    if not ok:
        reason = "`unshare -n` does not work here (needs root)"
        if os.environ.get("GRAPHAUDIT_REQUIRE_NEO4J") == "1":
            pytest.fail(f"the offline-install test must run in CI: {reason}", pytrace=False)
        pytest.skip(reason)


def _offline(script: str, cwd: Path, home: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new network namespace (only a loopback device, brought up for Neo4j's Bolt) with
    a clean environment: no PYTHONPATH to the checkout, no project Neo4j cache, a fresh HOME, and the
    system's python3.11 found by install.sh (not the interpreter that built the bundle)."""
    env = {
        # a python3.11 of the system first; the one that built the bundle only as a last resort
        "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:"
        + str(Path(getattr(sys, "_base_executable", sys.executable)).parent),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
    }
    if os.environ.get("JAVA_HOME"):
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    wrapped = f"ip link set lo up && set -e && {script}"
    return subprocess.run(
        ["unshare", "-n", "--", "bash", "-c", wrapped],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, (
        f"rc={proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The bundle for this machine with the Neo4j jars of the release this machine's Java runs."""
    out = tmp_path_factory.mktemp("dist1")
    t0 = time.monotonic()
    proc = subprocess.run([*BUILD, "--out", str(out)], capture_output=True, text=True, timeout=1800)
    _ok(proc)
    took = time.monotonic() - t0
    (archive,) = out.glob("*.tar.gz")
    print(f"\nbundle {archive.name}: {archive.stat().st_size / 2**20:.0f} MiB, built in {took:.0f} s")
    return archive, took


@pytest.fixture(scope="module")
def installed(built: tuple[Path, float], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundle unpacked elsewhere and installed by its install.sh inside the network-less namespace."""
    _require_netns()
    archive, _ = built
    carry, home = tmp_path_factory.mktemp("usb-stick"), tmp_path_factory.mktemp("home")
    with tarfile.open(archive) as tar:
        tar.extractall(carry, filter="tar")
    (unpacked,) = carry.iterdir()
    venv = home / "graphaudit"
    t0 = time.monotonic()
    out = _ok(_offline(f"sh {unpacked}/install.sh {venv}", cwd=home, home=home))
    print(f"\ninstall.sh (offline) took {time.monotonic() - t0:.0f} s")
    assert "完成 / done" in out
    return venv, home


def test_namespace_really_has_no_network(installed: tuple[Path, Path], tmp_path: Path) -> None:
    venv, home = installed
    probe = "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=3)\n"
    (tmp_path / "probe.py").write_text(probe + "except OSError as exc:\n    print('unreachable', exc)\n")
    out = _ok(_offline(f"{venv}/bin/python probe.py", cwd=tmp_path, home=home))
    assert out.startswith("unreachable")


def test_offline_install_runs_the_demo_from_any_folder(installed: tuple[Path, Path], tmp_path: Path) -> None:
    venv, home = installed
    where = _ok(
        _offline(f"{venv}/bin/python -c 'import graphaudit; print(graphaudit.__file__)'", tmp_path, home)
    )
    assert where.strip().startswith(str(venv)), where  # the installed copy, not the checkout
    web = list((Path(where.strip()).parent / "web").rglob("*.js"))
    assert web, "the vendored web assets are missing from the installed wheel"
    _ok(_offline(f"{venv}/bin/graphaudit demo --size village --out demo", cwd=tmp_path, home=home))
    assert (tmp_path / "demo" / "findings.xlsx").stat().st_size > 0
    assert (tmp_path / "demo" / "graphaudit.db").exists()


def test_offline_neo4j_starts_from_the_bundled_jars(installed: tuple[Path, Path], tmp_path: Path) -> None:
    venv, home = installed
    bundled = venv / "share" / "graphaudit" / "neo4j" / "lib"
    (version,) = [p.name for p in bundled.iterdir()]
    neo_home, ga = tmp_path / "neo4j-home", f"{venv}/bin/graphaudit"
    script = (
        f"{ga} neo4j start --home {neo_home} --heap 512m; "
        f"{ga} neo4j status --home {neo_home} --json > status.json; "
        "pid=$(sed -n 's/.*\"pid\": \\([0-9]*\\).*/\\1/p' status.json); "
        'tr "\\0" " " < /proc/$pid/cmdline'
        f" > cmdline.txt; {ga} neo4j stop --home {neo_home}; "
        f"{ga} neo4j status --home {neo_home} || echo stopped-rc=$?"
    )
    out = _ok(_offline(script, cwd=tmp_path, home=home))
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["running"] is True and status["version"] == version
    assert f"{bundled / version}/*" in (tmp_path / "cmdline.txt").read_text()  # the bundle's jars, no Maven
    assert "stopped-rc=3" in out
    assert not (home / ".m2").exists() and not (home / ".cache" / "graphaudit").exists()


def test_same_inputs_give_the_same_archive(built: tuple[Path, float], tmp_path: Path) -> None:
    first, _ = built
    _ok(subprocess.run([*BUILD, "--out", str(tmp_path)], capture_output=True, text=True, timeout=1800))
    second = tmp_path / first.name

    def listing(path: Path) -> list[tuple[str, int, float, int, int, int]]:
        with tarfile.open(path) as tar:
            return [(m.name, m.size, m.mtime, m.uid, m.gid, m.mode) for m in tar.getmembers()]

    names = [m[0] for m in listing(first)]
    assert names == sorted(names) and any(n.endswith("/SHA256SUMS") for n in names)
    assert listing(second) == listing(first)
    assert hashlib.sha256(second.read_bytes()).digest() == hashlib.sha256(first.read_bytes()).digest()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
        sums = tar.extractfile(next(m for m in members if m.name.endswith("/SHA256SUMS")))
        assert sums is not None
        listed = {line.split("  ")[1] for line in sums.read().decode().splitlines()}
        files = {m.name.split("/", 1)[1] for m in members if m.isfile()}
    assert listed == files - {"SHA256SUMS"} and "install.sh" in listed


def test_lock_selects_per_platform_and_names_what_has_no_wheel(tmp_path: Path) -> None:
    lock = bundle.read_lock(bundle.LOCK)
    names = {
        plat: {
            n
            for n, _, marker, _ in lock.pins
            if marker is None or bundle.Marker(marker).evaluate(t.marker_env(lock.python))
        }
        for plat, t in bundle.TARGETS.items()
    }
    assert "colorama" in names["win_amd64"] and "uvloop" not in names["win_amd64"]
    assert "uvloop" in names["manylinux_aarch64"] and "colorama" not in names["manylinux_aarch64"]
    assert all(hashes for n, _, _, hashes in lock.pins), "every pin carries its hashes"
    for plat, missing in lock.no_wheel.items():
        if plat == "native":
            continue
        with pytest.raises(bundle.BundleError, match=missing[0].split("==")[0]):
            bundle.build(plat, lock.python, [], bundle.LOCK, tmp_path)
