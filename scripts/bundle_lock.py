#!/usr/bin/env python3
"""The offline bundle's lock file, ``requirements/bundle.lock``: what :mod:`bundle` downloads, pinned.

    python scripts/bundle.py lock      # on a connected machine, in the project's venv (make bundle-lock)

Walks graphaudit's runtime requirements for every target platform (:data:`TARGETS`), taking the versions
installed in the running venv where it has them (pip picks the rest, e.g. Windows-only colorama), downloads
each target's wheels once and writes ``name==version`` with a platform marker where a package is not needed
everywhere, the sha256 of every wheel (the source archive's for a package that publishes no wheel), and the
packages without a wheel per platform (``# no-wheel:`` lines).  :func:`read_lock` reads it back.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

__all__ = [
    "LOCK",
    "PY",
    "ROOT",
    "TARGETS",
    "BundleError",
    "Lock",
    "Marker",
    "Target",
    "canonicalize_name",
    "lock",
    "parse_wheel_filename",
    "pip_download",
    "project",
    "read_lock",
    "unavailable",
]

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "bundle.lock"
PY = f"{sys.version_info.major}.{sys.version_info.minor}"


def _manylinux(arch: str, glibc: int = 28) -> tuple[str, ...]:
    """pip takes ``--platform`` tags literally: every manylinux tag a glibc 2.<glibc> machine runs (2.28:
    Kylin V10, UOS 20, RHEL 8), newest first."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc, 4, -1)]
    return (*tags, f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}")


@dataclass(frozen=True)
class Target:
    """A platform to bundle for: pip's ``--platform`` tags and the PEP 508 marker values there."""

    name: str
    tags: tuple[str, ...]  # empty: this machine (pip's own tags)
    env: dict[str, str] = field(hash=False)
    clause: str  # the lock's marker clause for "this platform"

    def marker_env(self, python: str) -> dict[str, str]:
        full = sys.version.split()[0] if python == PY else f"{python}.0"
        return {**self.env, "python_version": python, "python_full_version": full}


def _linux(arch: str) -> dict[str, str]:
    return {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": arch, "os_name": "posix"}


_CPYTHON = {"implementation_name": "cpython", "platform_python_implementation": "CPython"}
_HERE: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
TARGETS = {
    t.name: t
    for t in (
        Target(
            "native",
            (),
            dict(_HERE),
            'sys_platform == "{sys_platform}" and platform_machine == "{platform_machine}"'.format(**_HERE),
        ),
        Target(
            "manylinux_x86_64",
            _manylinux("x86_64"),
            {**_linux("x86_64"), **_CPYTHON},
            'sys_platform == "linux" and platform_machine == "x86_64"',
        ),
        Target(
            "manylinux_aarch64",
            _manylinux("aarch64"),
            {**_linux("aarch64"), **_CPYTHON},
            'sys_platform == "linux" and platform_machine == "aarch64"',
        ),
        Target(
            "win_amd64",
            ("win_amd64",),
            {
                "sys_platform": "win32",
                "platform_system": "Windows",
                "platform_machine": "AMD64",
                "os_name": "nt",
                **_CPYTHON,
            },
            'sys_platform == "win32"',
        ),
    )
}


class BundleError(Exception):
    """A failure with a message for the person running the build."""


def pip_download(
    target: Target, python: str, dest: Path, args: list[str]
) -> subprocess.CompletedProcess[str]:
    """``pip download --no-deps --only-binary=:all:`` of ``args`` into ``dest``, for ``target``'s tags."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(dest)]
    if target.tags:
        abi = "cp" + python.replace(".", "")
        cmd += [f"--platform={t}" for t in target.tags]
        cmd += ["--python-version", python, "--implementation", "cp", "--abi", abi]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run(cmd + args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


_NO_MATCH = re.compile(
    r"(?:No matching distribution found|Could not find a version that satisfies the requirement)"
    r" for ([A-Za-z0-9._-]+)|satisfies the requirement ([A-Za-z0-9._-]+)"
)


def unavailable(stderr: str) -> str | None:
    """The package pip's error says it found no (compatible) distribution of, if it says so."""
    m = _NO_MATCH.search(stderr)
    return canonicalize_name((m.group(1) or m.group(2)).split("=")[0]) if m else None


def project() -> tuple[str, str, list[str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return meta["name"], meta["version"], list(meta["dependencies"])


def _wheel_requires(whl: Path) -> list[str]:
    with zipfile.ZipFile(whl) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(zf.read(name).decode()).get_all("Requires-Dist") or []


def _closure(target: Target, python: str, scratch: Path) -> dict[str, str]:
    """``{name: version}`` of every runtime dependency graphaudit needs on ``target``."""
    env = target.marker_env(python)
    pins: dict[str, str] = {}
    requires: dict[str, list[str]] = {}
    done: set[tuple[str, str]] = set()  # (name, extra) already expanded
    todo: list[tuple[str, frozenset[str]]] = [(r, frozenset()) for r in project()[2]]
    while todo:
        text, context = todo.pop()
        req = Requirement(text)
        if req.marker and not any(req.marker.evaluate({**env, "extra": e}) for e in {"", *context}):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            try:
                pins[name], requires[name] = metadata.version(name), metadata.requires(name) or []
            except metadata.PackageNotFoundError:  # not in this venv (another platform's dependency)
                dest = scratch / f"meta-{target.name}"
                proc = pip_download(target, python, dest, [f"{req.name}{req.specifier}"])
                whl = next(
                    (w for w in dest.glob("*.whl") if canonicalize_name(w.name.split("-")[0]) == name), None
                )
                if proc.returncode or whl is None:
                    raise BundleError(
                        f"{target.name}: cannot resolve {text}: {proc.stderr.strip()[-400:]}"
                    ) from None
                pins[name], requires[name] = str(parse_wheel_filename(whl.name)[1]), _wheel_requires(whl)
        if req.specifier and pins[name] not in req.specifier:
            raise BundleError(f"{target.name}: {name} {pins[name]} does not satisfy {text} (update the venv)")
        for extra in ("", *sorted(req.extras)):
            if (name, extra) not in done:
                done.add((name, extra))
                todo += [(r, frozenset(req.extras)) for r in requires[name]]
    return pins


def _hashes(
    target: Target, python: str, pins: dict[str, str], scratch: Path
) -> tuple[dict[str, set[str]], list[str]]:
    """Download ``pins`` for ``target``; return sha256 per name and the names without a wheel there."""
    dest, missing, wanted = scratch / f"wheels-{target.name}", [], dict(pins)
    while wanted:
        proc = pip_download(target, python, dest, [f"{n}=={v}" for n, v in sorted(wanted.items())])
        if proc.returncode == 0:
            break
        name = unavailable(proc.stderr)
        if name is None or name not in wanted:
            raise BundleError(f"pip download for {target.name} failed:\n{proc.stderr.strip()[-1500:]}")
        missing.append(f"{name}=={wanted.pop(name)}")
    found: dict[str, set[str]] = {}
    for whl in dest.glob("*.whl"):
        name = canonicalize_name(parse_wheel_filename(whl.name)[0])
        if name in wanted:
            found.setdefault(name, set()).add(hashlib.sha256(whl.read_bytes()).hexdigest())
    return found, sorted(missing)


def _sdist_hash(pin: str, dest: Path) -> str:
    """sha256 of ``pin``'s source archive (for a package that publishes no wheel)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--no-deps",
        "--no-binary=:all:",
        "-d",
        str(dest),
        pin,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    name = canonicalize_name(pin.split("==")[0])
    sdists = [p for p in dest.glob("*.tar.gz") if canonicalize_name(p.name.rsplit("-", 1)[0]) == name]
    if proc.returncode or not sdists:
        raise BundleError(f"{pin}: neither a wheel nor a source archive on the index:\n{proc.stderr[-800:]}")
    return hashlib.sha256(sdists[0].read_bytes()).hexdigest()


def lock(platforms: list[str], python: str, out: Path) -> None:
    """Resolve and download for every platform, then write the lock file."""
    needs: dict[tuple[str, str], list[str]] = {}  # (name, version) -> platforms
    hashes: dict[tuple[str, str], set[str]] = {}
    no_wheel: list[str] = []
    with tempfile.TemporaryDirectory(prefix="graphaudit-lock-") as tmp:
        for plat in platforms:
            target = TARGETS[plat]
            pins = _closure(target, python, Path(tmp))
            found, missing = _hashes(target, python, pins, Path(tmp))
            print(f"{plat}: {len(pins)} packages" + (f", no wheel: {' '.join(missing)}" if missing else ""))
            no_wheel += [f"{plat} {m}" for m in missing]
            for name, version in pins.items():
                needs.setdefault((name, version), []).append(plat)
                hashes.setdefault((name, version), set()).update(found.get(name, ()))
        for pin in sorted({entry.split()[1] for entry in no_wheel}):  # the source archive, built on `native`
            name, version = pin.split("==")
            hashes[(name, version)].add(_sdist_hash(pin, Path(tmp) / "sdist"))
    lines = [
        "# graphaudit's runtime dependencies for the offline bundle; `scripts/bundle.py build` reads it.",
        "# Made by `make bundle-lock` (scripts/bundle.py lock) from the venv's installed versions:",
        "# regenerate, do not edit.  Hashes: every platform's wheel (a no-wheel pin: its source archive).",
        f"# python-version: {python}",
        f"# platforms: {' '.join(platforms)}",
        *(f"# no-wheel: {entry}" for entry in no_wheel),
    ]
    for (name, version), plats in sorted(needs.items()):
        clauses = sorted({TARGETS[p].clause for p in plats})
        every = set(plats) == set(platforms)
        marker = "" if every else " ; " + " or ".join(f"({c})" for c in clauses)
        lines.append(
            f"{name}=={version}{marker}"
            + "".join(f" \\\n    --hash=sha256:{h}" for h in sorted(hashes[(name, version)]))
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({len(needs)} pins)")


@dataclass
class Lock:
    """The lock file's content: its Python version and platforms, the pins without a wheel per platform,
    and every pin with its marker (None: all platforms) and hashes."""

    python: str
    platforms: list[str]
    no_wheel: dict[str, list[str]]
    pins: list[tuple[str, str, str | None, list[str]]]  # name, version, marker, hashes


def read_lock(path: Path) -> Lock:
    """Parse a lock written by :func:`lock`."""
    text = path.read_text().replace("\\\n", " ")
    header = dict(re.findall(r"^# ([a-z-]+): (.*)$", text, re.M))
    no_wheel: dict[str, list[str]] = {}
    for plat, pin in re.findall(r"^# no-wheel: (\S+) (\S+)$", text, re.M):
        no_wheel.setdefault(plat, []).append(pin)
    pins = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spec, *hashes = line.split("--hash=sha256:")
        req, _, marker = spec.partition(";")
        name, _, version = req.strip().partition("==")
        pins.append((name, version, marker.strip() or None, [h.strip() for h in hashes]))
    if "python-version" not in header or not pins:
        raise BundleError(f"{path}: not a bundle lock (run: python scripts/bundle.py lock)")
    return Lock(header["python-version"], header.get("platforms", "").split(), no_wheel, pins)
