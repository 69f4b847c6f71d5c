#!/usr/bin/env python3
"""The offline bundle: everything an air-gapped office machine needs to install graphaudit, in one archive.

    python scripts/bundle.py lock     # on a connected machine: pin the runtime dependencies, with hashes
    python scripts/bundle.py build [--platform manylinux_aarch64] [--neo4j auto]   # dist/graphaudit-….tar.gz

``lock`` walks graphaudit's runtime requirements for every target platform (the versions installed in the
running venv where it has them; pip picks the rest, e.g. Windows-only colorama), downloads each target's
wheels once and writes ``requirements/bundle.lock``: ``name==version`` with a platform marker where a package
is not needed everywhere, the sha256 of every wheel, and the packages that publish no wheel for a platform.

``build`` reads the lock and writes ``dist/graphaudit-<version>-<platform>-cp<XY>[-neo4j].tar.gz``: the
dependencies' wheels (``pip download --no-deps --require-hashes``), the project's wheel (built from the files
git knows, with ``SOURCE_DATE_EPOCH``), optionally the Neo4j Community jars, ``install.sh [VENV_DIR]``
(``install.cmd`` for Windows) and ``SHA256SUMS``.  Sorted members, fixed mtime/uid/gid and a gzip header
without time make it reproducible: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import Marker, default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pragma: no cover - pip always vendors it
    from pip._vendor.packaging.markers import Marker, default_environment  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "bundle.lock"
BUILD_LOCK = ROOT / "requirements" / "build.lock"
MARKER_FILE = ".graphaudit-complete"  # graphaudit.neo4j_local.server._MARKER: "these jars are complete"
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
_HERE = default_environment()
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


def _pip_download(
    target: Target, python: str, dest: Path, args: list[str]
) -> subprocess.CompletedProcess[str]:
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


def _unavailable(stderr: str) -> str | None:
    m = _NO_MATCH.search(stderr)
    return canonicalize_name((m.group(1) or m.group(2)).split("=")[0]) if m else None


# ---------------------------------------------------------------------------------------------------- lock


def _project() -> tuple[str, str, list[str]]:
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
    todo: list[tuple[str, frozenset[str]]] = [(r, frozenset()) for r in _project()[2]]
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
                proc = _pip_download(target, python, dest, [f"{req.name}{req.specifier}"])
                whl = next(
                    (w for w in dest.glob("*.whl") if canonicalize_name(w.name.split("-")[0]) == name), None
                )
                if proc.returncode or whl is None:
                    raise BundleError(
                        f"{target.name}: cannot resolve {text}: {proc.stderr.strip()[-400:]}"
                    ) from None
                pins[name], requires[name] = str(parse_wheel_filename(whl.name)[1]), _wheel_requires(whl)
            if pins[name] not in req.specifier and req.specifier:
                raise BundleError(f"{target.name}: {name} {pins[name]} in this venv does not satisfy {text}")
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
        proc = _pip_download(target, python, dest, [f"{n}=={v}" for n, v in sorted(wanted.items())])
        if proc.returncode == 0:
            break
        name = _unavailable(proc.stderr)
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


# --------------------------------------------------------------------------------------------------- build


@dataclass
class Lock:
    python: str
    platforms: list[str]
    no_wheel: dict[str, list[str]]
    pins: list[tuple[str, str, str | None, list[str]]]  # name, version, marker, hashes


def read_lock(path: Path) -> Lock:
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


def _epoch() -> int:
    """``SOURCE_DATE_EPOCH``, else the last commit's time: the wheel's and the archive's timestamps."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True
    )
    return int(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else 315532800


def _project_wheel(dest: Path, epoch: int, scratch: Path) -> Path:
    """Build graphaudit's wheel from a copy of the files git knows (no stale build/ leftovers)."""
    src = scratch / "src"
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for rel in filter(None, (f.decode() for f in files)):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest), str(src)]
    cmd += ["--build-constraint", str(BUILD_LOCK)] if BUILD_LOCK.is_file() else []
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode:
        raise BundleError(f"building graphaudit's wheel failed:\n{proc.stderr.strip()[-1500:]}")
    return next(dest.glob("graphaudit-*.whl"))


def _pin_lines(pins: list[tuple[str, str, str | None, list[str]]]) -> str:
    return "".join(f"{n}=={v} " + " ".join(f"--hash=sha256:{h}" for h in hs) + "\n" for n, v, _, hs in pins)


def _wheelhouse(
    target: Target,
    python: str,
    pins: list[tuple[str, str, str | None, list[str]]],
    from_source: list[str],
    wheels: Path,
    scratch: Path,
) -> None:
    """Download the pinned wheels into ``wheels`` (hashes checked against the lock); build the pins that
    publish no wheel from their hash-checked source archive (``native`` only)."""
    binaries, sources = scratch / "binaries.txt", scratch / "sources.txt"
    binaries.write_text(_pin_lines([p for p in pins if f"{p[0]}=={p[1]}" not in from_source]))
    sources.write_text(_pin_lines([p for p in pins if f"{p[0]}=={p[1]}" in from_source]))
    print(f"downloading {len(pins)} wheels for {target.name} (Python {python}) ...", file=sys.stderr)
    proc = _pip_download(target, python, wheels, ["--require-hashes", "-r", str(binaries)])
    if proc.returncode == 0 and from_source:
        print(f"building {', '.join(from_source)} from source (no wheel on the index) ...", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--require-hashes", "-w", str(wheels)]
        proc = subprocess.run(
            cmd + ["-r", str(sources)], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
    if proc.returncode:
        missing = _unavailable(proc.stderr)
        why = f"no wheel of {missing} for {target.name} / Python {python}" if missing else "pip failed"
        raise BundleError(f"{why}:\n{proc.stderr.strip()[-1500:]}")
    got = {canonicalize_name(parse_wheel_filename(w.name)[0]) for w in wheels.glob("*.whl")}
    if lacking := {canonicalize_name(n) for n, *_ in pins} - got:
        raise BundleError(f"pip download left out: {', '.join(sorted(lacking))}")


def _neo4j_jars(versions: list[str]) -> dict[str, Path]:
    """The jar folder of each Neo4j release, fetched with Maven into the project's cache if missing."""
    sys.path.insert(0, str(ROOT))
    from graphaudit.neo4j_local import server

    out = {}
    for v in versions:
        version = server.runtime()[1] if v == "auto" else v
        lib = server.cache_dir() / "lib" / version
        if not (lib / MARKER_FILE).is_file():
            env = {**os.environ, "GRAPHAUDIT_NEO4J_VERSION": version}
            subprocess.run(
                [sys.executable, "-m", "graphaudit.neo4j_local", "fetch"], cwd=ROOT, env=env, check=True
            )
        out[version] = lib
    return out


def build(platform: str, python: str, neo4j: list[str], lock_path: Path, out_dir: Path) -> Path:
    """Write the archive for ``platform`` into ``out_dir`` and return its path."""
    target, lk = TARGETS[platform], read_lock(lock_path)
    if python != lk.python:
        raise BundleError(
            f"{lock_path.name} pins wheels for Python {lk.python}, not {python}: "
            f"run `python{python} scripts/bundle.py lock --python-version {python}`"
        )
    if platform not in lk.platforms:
        raise BundleError(
            f"{lock_path.name} has no hashes for {platform}: add it with `scripts/bundle.py lock`"
        )
    from_source = lk.no_wheel.get(platform, [])
    if from_source and platform != "native":
        raise BundleError(
            f"no wheel on the package index for {platform} / Python {python}: {', '.join(from_source)} "
            "(source archive only).  pip cannot compile for another platform: build the bundle on a machine "
            f"of that platform (`make bundle`, native), which compiles {', '.join(from_source)} there."
        )
    if neo4j and platform == "win_amd64":
        raise BundleError("the local Neo4j server (graphaudit neo4j start) runs on Linux only")
    env = target.marker_env(python)
    pins = [p for p in lk.pins if p[2] is None or Marker(p[2]).evaluate(env)]
    name, version, _ = _project()
    stem = f"{name}-{version}-{platform}-cp{python.replace('.', '')}" + ("-neo4j" if neo4j else "")
    epoch = _epoch()
    with tempfile.TemporaryDirectory(prefix="graphaudit-bundle-") as tmp:
        stage = Path(tmp) / stem
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)

        _wheelhouse(target, python, pins, from_source, wheels, Path(tmp))
        _project_wheel(wheels, epoch, Path(tmp))
        (stage / "requirements.txt").write_text(
            f"# What install.sh installs: graphaudit and its dependencies for {platform}, Python {python}:\n"
            "# exactly the files in wheels/ (pip install --require-hashes).\n"
            + "".join(
                "{}=={} --hash=sha256:{}\n".format(
                    *parse_wheel_filename(w.name)[:2], hashlib.sha256(w.read_bytes()).hexdigest()
                )
                for w in sorted(wheels.glob("*.whl"))
            )
        )
        for neo4j_version, lib in _neo4j_jars(neo4j).items():
            dest = stage / "neo4j" / "lib" / neo4j_version
            dest.mkdir(parents=True)
            for jar in sorted(lib.glob("*.jar")):
                shutil.copyfile(jar, dest / jar.name)
        scripts = Path(__file__).resolve().parent
        shutil.copyfile(scripts / "bundle_install.sh", stage / "install.sh")
        if platform == "win_amd64":
            shutil.copyfile(scripts / "bundle_install.cmd", stage / "install.cmd")
        (stage / "BUNDLE").write_text(f"platform={platform}\npython={python}\nversion={version}\n")
        files = sorted(p for p in stage.rglob("*") if p.is_file())
        (stage / "SHA256SUMS").write_text(
            "".join(
                f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(stage).as_posix()}\n"
                for p in files
            )
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        archive = out_dir / f"{stem}.tar.gz"
        _write_tar(stage, archive, epoch)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (out_dir / f"{stem}.tar.gz.sha256").write_text(f"{digest}  {archive.name}\n")
    print(f"{archive}  {archive.stat().st_size / 2**20:.1f} MiB  sha256 {digest}")
    return archive


def _write_tar(stage: Path, archive: Path, epoch: int) -> None:
    """A tar.gz whose bytes depend only on the files: sorted members, fixed mtime/owner/mode, no gzip time."""
    members = sorted([stage, *stage.rglob("*")], key=lambda p: p.relative_to(stage.parent).as_posix())
    with open(archive, "wb") as raw, gzip.GzipFile("", "wb", 6, raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for path in members:
                info = tarfile.TarInfo(path.relative_to(stage.parent).as_posix())
                info.mtime, info.uid, info.gid, info.uname, info.gname = epoch, 0, 0, "root", "root"
                if path.is_dir():
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:
                    data = path.read_bytes()
                    info.size, info.mode = len(data), 0o755 if path.suffix == ".sh" else 0o644
                    tar.addfile(info, io.BytesIO(data))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lk = sub.add_parser("lock", help="pin the runtime dependencies with hashes into requirements/bundle.lock")
    lk.add_argument("--platform", action="append", choices=list(TARGETS), help="default: all")
    lk.add_argument("--python-version", default=PY)
    lk.add_argument("--out", type=Path, default=LOCK)
    bd = sub.add_parser("build", help="write the offline bundle into dist/")
    bd.add_argument("--platform", choices=list(TARGETS), default="native", help="default: this machine")
    bd.add_argument("--python-version", default=PY, help=f"the target's Python (default {PY})")
    bd.add_argument(
        "--neo4j",
        action="append",
        default=[],
        metavar="VERSION",
        help="add the Neo4j jars of a release (auto: the one this machine's Java runs); repeatable",
    )
    bd.add_argument("--lock", type=Path, default=LOCK)
    bd.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "lock":
            lock(args.platform or list(TARGETS), args.python_version, args.out)
        else:
            build(args.platform, args.python_version, args.neo4j, args.lock, args.out)
    except BundleError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
