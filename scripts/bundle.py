#!/usr/bin/env python3
"""The offline bundle: everything an air-gapped office machine needs to install graphaudit, in one archive.

    python scripts/bundle.py build [--platform manylinux_aarch64] [--neo4j auto]   # make bundle
    python scripts/bundle.py lock                                                   # make bundle-lock

``build`` reads ``requirements/bundle.lock`` (see bundle_lock.py) and writes
``dist/graphaudit-<version>-<platform>-cp<XY>[-neo4j].tar.gz``: the dependencies' wheels (``pip download
--no-deps --require-hashes``; a package with no wheel on the index is compiled from its hash-checked source,
on the native platform only), graphaudit's wheel (built from the files git knows, with
``SOURCE_DATE_EPOCH``), optionally the Neo4j Community jars, ``install.sh [VENV_DIR]`` (``install.cmd`` on
Windows), ``requirements.txt`` with the hash of every wheel, and ``SHA256SUMS``.  Sorted members, fixed
mtime/uid/gid/mode and a gzip header without a time make it reproducible: the same inputs, the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundle_lock import (  # noqa: E402
    LOCK,
    PY,
    ROOT,
    TARGETS,
    BundleError,
    Marker,
    Target,
    canonicalize_name,
    lock,
    parse_wheel_filename,
    pip_download,
    project,
    read_lock,
    unavailable,
)

BUILD_LOCK = ROOT / "requirements" / "build.lock"
MARKER_FILE = ".graphaudit-complete"  # graphaudit.neo4j_local.server._MARKER: "these jars are complete"


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
    epoch: int,
) -> None:
    """Download the pinned wheels into ``wheels`` (hashes checked against the lock); build the pins that
    publish no wheel from their hash-checked source archive (``native`` only)."""
    binaries, sources = scratch / "binaries.txt", scratch / "sources.txt"
    binaries.write_text(_pin_lines([p for p in pins if f"{p[0]}=={p[1]}" not in from_source]))
    sources.write_text(_pin_lines([p for p in pins if f"{p[0]}=={p[1]}" in from_source]))
    print(f"downloading {len(pins)} wheels for {target.name} (Python {python}) ...", file=sys.stderr)
    proc = pip_download(target, python, wheels, ["--require-hashes", "-r", str(binaries)])
    if proc.returncode == 0 and from_source:
        print(f"building {', '.join(from_source)} from source (no wheel on the index) ...", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--require-hashes", "-w", str(wheels)]
        # pip's wheel cache keeps a compiled wheel (same bytes next time); a fresh compile is reproducible
        # without debug info, which would hold pip's random build folder.
        flags = {f: f"{os.environ.get(f, '')} -g0".strip() for f in ("CFLAGS", "CXXFLAGS")}
        env = {**os.environ, **flags, "SOURCE_DATE_EPOCH": str(epoch)}
        proc = subprocess.run(
            cmd + ["-r", str(sources)], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
        )
    if proc.returncode:
        missing = unavailable(proc.stderr)
        why = f"no wheel of {missing} for {target.name} / Python {python}" if missing else "pip failed"
        if "DO NOT MATCH THE HASHES" in proc.stderr:
            why = f"wheels differ from {LOCK.name}'s (a lock made on another platform? run make bundle-lock)"
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
            fetch = [sys.executable, "-m", "graphaudit.neo4j_local", "fetch"]
            if subprocess.run(fetch, cwd=ROOT, env=env).returncode:
                raise BundleError(f"could not fetch the Neo4j {version} jars (Maven)")
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
    name, version, _ = project()
    stem = f"{name}-{version}-{platform}-cp{python.replace('.', '')}" + ("-neo4j" if neo4j else "")
    epoch = _epoch()
    with tempfile.TemporaryDirectory(prefix="graphaudit-bundle-") as tmp:
        stage = Path(tmp) / stem
        wheels = stage / "wheels"
        wheels.mkdir(parents=True)

        _wheelhouse(target, python, pins, from_source, wheels, Path(tmp), epoch)
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
