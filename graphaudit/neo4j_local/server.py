"""A throwaway local Neo4j Community server, started from Maven-resolved jars.

No tarball, no Docker: ``graphaudit/neo4j_local/pom.xml`` resolves the server jars from Maven Central into
``.cache/neo4j/lib/<version>`` (:func:`ensure_jars`).  The release follows the machine's Java
(:func:`runtime`): the newest release tried here on Java 21 or later (a machine may have such a JDK beside
its default Java 17, and it is found in /usr/lib/jvm), 5.26 LTS on Java 17.  :class:`LocalNeo4j` runs the
server's entry point (``CommunityEntryPoint`` in 5.x, ``Neo4jCommunity`` since) on them with a generated
config (Bolt on 127.0.0.1 and a free port, HTTP/HTTPS off, auth on, small heap and page cache) and a random
password.

    with LocalNeo4j(tmp_dir) as server:
        driver = neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password))

Command line: ``python -m graphaudit.neo4j_local fetch|start|stop|status`` (see
``graphaudit.neo4j_local.cli``).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
POM_PATH = PACKAGE_DIR / "pom.xml"
# In a checkout the cache sits in <repo>/.cache; an installed package keeps it in the user's cache folder.
_CHECKOUT = PACKAGE_DIR.parents[1]
REPO_ROOT = (
    _CHECKOUT
    if (_CHECKOUT / "pyproject.toml").exists()
    else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "graphaudit"
)
# The release to run is chosen by the Java the machine has (see runtime()): the newest release tried here on a
# Java 21 or later, the 5.26 long-term-support release on Java 17.  GRAPHAUDIT_NEO4J_VERSION overrides it.
CURRENT_VERSION = "2026.08.1"  # calendar releases need Java 21+; tried on Temurin 25
LTS_VERSION = "5.26.30"  # the last release on Java 17
NEW_JAVA = 21
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
STATE_FILE = "graphaudit-neo4j.json"
HOME_SUBDIRS = ("conf", "data", "logs", "run", "plugins", "import")
_MARKER = ".graphaudit-complete"
_REQUIRED_JARS = ("neo4j-{v}.jar", "neo4j-command-line-{v}.jar", "neo4j-import-tool-{v}.jar")
# The `server.jvm.additional` defaults the neo4j launcher script would add on Java 17, but the Parallel
# collector instead of G1: on a small throwaway server with few cores it gives more throughput (a county load
# into it, benchmarks/ingest.py --neo4j: 188 s against 199 s with G1).
JVM_FLAGS = (
    "-XX:+UseParallelGC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-UsePerfData",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
_SIZE_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")


class Neo4jServerError(RuntimeError):
    """An expected failure (java/mvn missing, port in use, start timeout) with a readable message."""


class PortInUseError(Neo4jServerError):
    """The requested Bolt port is already taken on 127.0.0.1."""


def cache_dir() -> Path:
    """Root of the Neo4j cache: ``$GRAPHAUDIT_NEO4J_HOME_CACHE`` or ``<repo>/.cache/neo4j``
    (``~/.cache/graphaudit/.cache/neo4j`` when installed)."""
    env = os.environ.get("GRAPHAUDIT_NEO4J_HOME_CACHE")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / ".cache" / "neo4j"


def lib_dir(version: str | None = None) -> Path:
    """Directory holding the jars of a Neo4j release (default: :func:`runtime`'s): the offline bundle's
    ``<venv>/share/graphaudit/neo4j/lib/<version>`` if its install.sh put them there, else
    ``<cache>/lib/<version>``."""
    version = version or runtime()[1]
    bundled = Path(sys.prefix) / "share" / "graphaudit" / "neo4j" / "lib" / version
    return bundled if (bundled / _MARKER).is_file() else cache_dir() / "lib" / version


def default_home() -> Path:
    """Home directory used by the CLI when ``--home`` is not given (``<cache>/run/default``)."""
    return cache_dir() / "run" / "default"


def java_major(java: str) -> int:
    """The feature release of a ``java`` executable (17, 21, 25 …), from ``java -version``; 0 if unknown."""
    return _java_major(str(Path(java).resolve()))


@functools.cache
def _java_major(java: str) -> int:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
        m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
        if m:
            return int(m.group(2)) if m.group(1) == "1" else int(m.group(1))
    return 0


def find_java() -> str:
    """The ``java`` to run Neo4j with: ``$JAVA_HOME/bin/java``; else the newest JDK of Java 21 or later in
    /usr/lib/jvm (a machine may have one beside its default Java 17); else ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    newer = [(java_major(str(j)), str(j)) for j in Path("/usr/lib/jvm").glob("*/bin/java") if j.is_file()]
    newer = [(major, j) for major, j in newer if major >= NEW_JAVA]
    if newer:
        return max(newer)[1]
    java = shutil.which("java")
    if not java:
        raise Neo4jServerError(
            "java not found: install Java 21 or later (or Java 17 for Neo4j 5.26), or set JAVA_HOME"
        )
    return java


def runtime() -> tuple[str, str]:
    """``(java, Neo4j version)``: the newest release on a Java 21 or later, 5.26 LTS on Java 17
    (``$GRAPHAUDIT_NEO4J_VERSION`` picks one)."""
    java = find_java()
    forced = os.environ.get("GRAPHAUDIT_NEO4J_VERSION")
    if forced:
        return java, forced
    return java, CURRENT_VERSION if java_major(java) >= NEW_JAVA else LTS_VERSION


def server_class(version: str) -> str:
    """The server's main class: ``CommunityEntryPoint`` in 5.x, ``Neo4jCommunity`` in calendar releases."""
    return (
        "org.neo4j.server.CommunityEntryPoint"
        if version.startswith("5.")
        else "org.neo4j.server.Neo4jCommunity"
    )


def jvm_flags(java: str) -> tuple[str, ...]:
    """:data:`JVM_FLAGS`, and on Java 21 or later native access for the JNA library Neo4j loads."""
    return JVM_FLAGS + (("--enable-native-access=ALL-UNNAMED",) if java_major(java) >= NEW_JAVA else ())


def ensure_jars(quiet: bool = False) -> Path:
    """Make sure the Neo4j server jars are in :func:`lib_dir` and return that directory.

    Fast when the completion marker is present; otherwise runs ``mvn -B -q -f graphaudit/neo4j_local/pom.xml
    dependency:copy-dependencies`` under a file lock (concurrent callers download once).
    """
    version = runtime()[1]
    lib = lib_dir(version)

    def complete() -> bool:
        return all((lib / name.format(v=version)).is_file() for name in _REQUIRED_JARS)

    if (lib / _MARKER).is_file() and complete():
        return lib
    lib.parent.mkdir(parents=True, exist_ok=True)
    with open(lib.parent / ".fetch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not complete():
            _run_maven(lib, version, quiet)
        if not complete():
            raise Neo4jServerError(f"Maven finished but the Neo4j {version} jars are missing in {lib}")
        (lib / _MARKER).write_text(version + "\n")
    return lib


def _run_maven(lib: Path, version: str, quiet: bool) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise Neo4jServerError("mvn not found: install Maven (apt-get install maven) to fetch the Neo4j jars")
    find_java()
    if not POM_PATH.is_file():
        raise Neo4jServerError(f"{POM_PATH} not found: run from a graphaudit source checkout")
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM_PATH),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        f"-Dneo4j.version={version}",
    ]
    if not quiet:
        print(f"Fetching Neo4j {version} jars from Maven Central into {lib} ...", file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise Neo4jServerError(f"mvn dependency:copy-dependencies failed (rc={proc.returncode}):\n{tail}")


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:port (a bind test, like the server's own bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def render_conf(
    port: int,
    heap: str = "1g",
    initial_heap: str = "256m",
    pagecache: str = "256m",
    settings: dict[str, str] | None = None,
) -> str:
    """Return the ``neo4j.conf`` text for a small, quiet, loopback-only server; ``settings`` are added as
    they are (e.g. ``{"db.transaction.timeout": "30m"}``)."""
    return (
        "\n".join(
            [
                "# Generated by graphaudit.neo4j_local.server on every start; edits are overwritten.",
                "server.default_listen_address=127.0.0.1",
                "server.default_advertised_address=127.0.0.1",
                "server.bolt.enabled=true",
                f"server.bolt.listen_address=127.0.0.1:{port}",
                f"server.bolt.advertised_address=127.0.0.1:{port}",
                "server.http.enabled=false",
                "server.https.enabled=false",
                "dbms.security.auth_enabled=true",
                "dbms.usage_report.enabled=false",
                # Only read by the launcher script; the same values are passed as -Xms/-Xmx.
                f"server.memory.heap.initial_size={initial_heap}",
                f"server.memory.heap.max_size={heap}",
                f"server.memory.pagecache.size={pagecache}",
                # Small transaction logs: no 256 MB preallocated file per database, keep one file.
                "db.tx_log.preallocate=false",
                "db.tx_log.rotation.size=16M",
                "db.tx_log.rotation.retention_policy=1 files",
                "db.logs.query.enabled=OFF",
                "db.filewatcher.enabled=false",
                # Bolt shutdown otherwise sits twice through netty's 5 s quiet period (stop took 12 s).
                "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
                "internal.dbms.bolt.netty_server_shutdown_timeout=2s",
                *(f"{k}={v}" for k, v in (settings or {}).items()),
            ]
        )
        + "\n"
    )


def prepare_home(home: Path | str) -> Path:
    """Create ``home`` and its Neo4j sub-directories; return the resolved path."""
    path = Path(home).expanduser().resolve()
    for sub in HOME_SUBDIRS:
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def _java_env(home: Path) -> dict[str, str]:
    return {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}


def admin_command(
    args: list[str],
    home: Path | str | None = None,
    *,
    heap: str = "1g",
    timeout: float | None = None,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``neo4j-admin <args>`` (``org.neo4j.cli.AdminTool`` from the cached jars); capture text.

    ``NEO4J_HOME``/``NEO4J_CONF`` point at ``home`` (default: the CLI's default home), whose
    ``conf/neo4j.conf`` is written if missing. E.g. with the server stopped:
    ``admin_command(["database", "import", "full", "--nodes=Person=p.csv", "neo4j"], home)``.
    """
    if not _SIZE_RE.match(heap):
        raise ValueError(f"bad memory size {heap!r} (expected e.g. 512m or 1g)")
    lib = ensure_jars(quiet=True)
    home_path = prepare_home(home if home is not None else default_home())
    conf = home_path / "conf" / "neo4j.conf"
    if not conf.exists():
        conf.write_text(render_conf(7687, heap=heap))
    java = find_java()
    cmd = [java, f"-Xmx{heap}", *jvm_flags(java), "-cp", f"{lib}/*", ADMIN_CLASS, *args]
    return subprocess.run(
        cmd,
        cwd=home_path,
        env=_java_env(home_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
        stdin=subprocess.DEVNULL,
    )


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else ""


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (zombies count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _pid_is_server(pid: int, home: Path) -> bool:
    """True if ``pid`` is a live Neo4j server for ``home`` (guards against recycled pids)."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        ps = ["ps", "-o", "command=", "-p", str(pid)]
        cmdline = subprocess.run(ps, capture_output=True, text=True).stdout
    return "org.neo4j.server." in cmdline and f"--home-dir={home}" in cmdline


def _set_pdeathsig() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the kernel SIGTERMs the server when the process that started it dies (no orphans)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LocalNeo4j:
    """One Neo4j Community server process with its own home directory.

    ``detach=False`` (default) ties the server's life to this Python process (Linux pdeathsig);
    the CLI uses ``detach=True`` so the server outlives ``start``.
    """

    def __init__(
        self,
        home: Path | str,
        port: int | None = None,
        *,
        heap: str = "1g",
        initial_heap: str = "256m",
        pagecache: str = "256m",
        settings: dict[str, str] | None = None,
        password: str | None = None,
        startup_timeout: float = 120.0,
        detach: bool = False,
    ) -> None:
        for size in (heap, initial_heap, pagecache):
            if not _SIZE_RE.match(size):
                raise ValueError(f"bad memory size {size!r} (expected e.g. 512m or 1g)")
        self.home: Path = Path(home).expanduser().resolve()
        self.requested_port: int | None = port
        self.port: int = port or 0
        self.heap, self.initial_heap, self.pagecache = heap, initial_heap, pagecache
        self.settings = dict(settings or {})
        self.user: str = "neo4j"
        self.password: str = password or secrets.token_urlsafe(18)
        self.startup_timeout = startup_timeout
        self.detach = detach
        self.pid: int | None = None
        self.version: str | None = None  # the Neo4j release, once started (see runtime())
        self.started_in: float | None = None  # seconds from JVM launch to Bolt answering
        self._proc: subprocess.Popen[bytes] | None = None
        self._t0 = 0.0

    @property
    def uri(self) -> str:
        """``bolt://127.0.0.1:PORT``."""
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """JVM stdout/stderr; the server's own logs are ``logs/neo4j.log`` and ``logs/debug.log``."""
        return self.home / "logs" / "console.log"

    @property
    def state_path(self) -> Path:
        """JSON state file read by ``status``/``stop`` in later processes."""
        return self.home / STATE_FILE

    def __enter__(self) -> LocalNeo4j:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalNeo4j:
        """Start the server and wait until Bolt accepts the password; return ``self``.

        A fresh home gets the password via ``neo4j-admin dbms set-initial-password`` before the
        first start, so the default ``neo4j/neo4j`` login never exists.
        """
        if self.is_running():
            return self
        if self.requested_port and not port_is_free(self.requested_port):
            raise PortInUseError(f"port {self.requested_port} on 127.0.0.1 is already in use")
        lib, (java, version) = ensure_jars(quiet=False), runtime()
        self.version = version
        prepare_home(self.home)
        if not (self.home / "data" / "databases").exists():
            # "--": a generated password may start with "-", which the admin tool would take for an option
            proc = admin_command(
                ["dbms", "set-initial-password", "--", self.password], self.home, heap="256m"
            )
            if proc.returncode != 0:
                raise Neo4jServerError(f"set-initial-password failed: {proc.stderr or proc.stdout}".strip())
        elif not self.state_path.exists():
            raise Neo4jServerError(f"{self.home} has a database with an unknown password; use a fresh home")
        for attempt in range(3):  # an auto-picked port can be taken between probe and bind
            self._launch(lib, java, version)
            try:
                self._wait_ready()
                break
            except PortInUseError:
                self._kill()
                if self.requested_port or attempt == 2:
                    raise
        self.write_state()
        return self

    def _launch(self, lib: Path, java: str, version: str) -> None:
        self.port = self.requested_port or free_port()
        conf = render_conf(self.port, self.heap, self.initial_heap, self.pagecache, self.settings)
        (self.home / "conf" / "neo4j.conf").write_text(conf)
        cmd = [
            java,
            f"-Xms{self.initial_heap}",
            f"-Xmx{self.heap}",
            *jvm_flags(java),
            "-cp",
            f"{lib}/*",
            server_class(version),
            f"--home-dir={self.home}",
            f"--config-dir={self.home / 'conf'}",
        ]
        pdeathsig = _set_pdeathsig if not self.detach and sys.platform.startswith("linux") else None
        self._t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.home,
                env=_java_env(self.home),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=pdeathsig,
            )
        self.pid = self._proc.pid

    def _fail_text(self, what: str) -> str:
        logs = [self.log_path, self.home / "logs" / "neo4j.log"]
        return what + "".join(f"\n--- {log} (tail) ---\n{_tail(log, 15)}" for log in logs)

    def _wait_ready(self) -> None:
        import neo4j
        from neo4j.exceptions import AuthError, ServiceUnavailable

        assert self._proc is not None
        deadline = self._t0 + self.startup_timeout
        while True:
            rc = self._proc.poll()
            if rc is not None:
                logs = _tail(self.home / "logs" / "neo4j.log", 40) + _tail(self.log_path, 40)
                if "already in use" in logs.lower():
                    raise PortInUseError(f"port {self.port} on 127.0.0.1 is already in use")
                raise Neo4jServerError(self._fail_text(f"Neo4j exited with code {rc} during start-up"))
            if time.monotonic() > deadline:
                self._kill()
                raise Neo4jServerError(
                    self._fail_text(f"Neo4j did not answer on {self.uri} within {self.startup_timeout:g} s")
                )
            try:
                with neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password)) as drv:
                    drv.verify_connectivity()
                self.started_in = time.monotonic() - self._t0
                return
            except AuthError as exc:
                self._kill()
                raise Neo4jServerError(f"Neo4j rejected the password of {self.user!r}: {exc}") from exc
            except (ServiceUnavailable, OSError):
                time.sleep(0.2)

    def is_running(self) -> bool:
        """True if this instance's server process is alive."""
        if self._proc is not None:
            return self._proc.poll() is None
        return self.pid is not None and _pid_is_server(self.pid, self.home)

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the server, wait up to ``timeout`` s, then SIGKILL. Idempotent."""
        if self.pid is not None:
            stop_pid(self.pid, self.home, timeout, self._proc)
        self._proc = None
        if self.home.is_dir():
            self.write_state(running=False)

    def write_state(self, running: bool = True) -> None:
        """Write ``<home>/graphaudit-neo4j.json`` (mode 0600: it holds the password)."""
        state = {
            "uri": self.uri,
            "user": self.user,
            "password": self.password,
            "port": self.port,
            "pid": self.pid if running else None,
            "home": str(self.home),
            "version": self.version,
        }
        tmp = self.state_path.with_suffix(".tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(state, f, indent=2)
        tmp.replace(self.state_path)

    @classmethod
    def from_state(cls, home: Path | str) -> LocalNeo4j | None:
        """Rebuild a (detached) instance from ``<home>/graphaudit-neo4j.json``; None if absent."""
        home_path = Path(home).expanduser().resolve()
        try:
            state = json.loads((home_path / STATE_FILE).read_text())
        except (OSError, ValueError):
            return None
        inst = cls(home_path, int(state.get("port") or 0) or None, password=state["password"], detach=True)
        inst.user, inst.pid, inst.version = state.get("user", "neo4j"), state.get("pid"), state.get("version")
        return inst

    def status(self) -> dict[str, Any]:
        """A JSON-able summary: running, uri, user, password, pid, home, version, rss_mb."""
        running = self.is_running()
        return {
            "running": running,
            "uri": self.uri,
            "user": self.user,
            "password": self.password,
            "version": self.version,
            "pid": self.pid if running else None,
            "home": str(self.home),
            "rss_mb": rss_mb(self.pid) if running and self.pid else None,
        }


def stop_pid(pid: int, home: Path, timeout: float = 30.0, proc: subprocess.Popen[Any] | None = None) -> bool:
    """Stop server ``pid`` of ``home``: SIGTERM, wait ``timeout`` s, SIGKILL. False if not running."""
    if (proc.poll() is not None) if proc is not None else not _pid_is_server(pid, home):
        return False

    def gone() -> bool:
        return proc.poll() is not None if proc is not None else not pid_alive(pid)

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while not gone():
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)
    return True


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (Linux /proc), or None."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None
