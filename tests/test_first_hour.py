"""A new user's first hour, as the README tells it: on a fresh folder, ``make demo`` (its ``graphaudit demo``,
village size here), then the commands the demo prints, in order and as printed, then the web pages in a real
headless Chromium, logged in with the token those commands printed."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.test_web import ARGS, CHROMIUM, free_port

playwright_api = pytest.importorskip("playwright.sync_api")
ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _quick_start() -> list[str]:
    """The command lines of the README's quick start, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[
        readme.index("## Quick start") : readme.index("\n## ", readme.index("## Quick start") + 5)
    ]
    blocks = re.findall(r"```\n(.*?)```", section, re.S)
    return [line.split("  #")[0].strip() for b in blocks for line in b.splitlines() if line.strip()]


def _fresh_folder(tmp: Path) -> dict[str, str]:
    """A folder as `make demo` leaves a clone: ``.venv/bin/graphaudit`` (here a script running this checkout
    with this interpreter), and an environment in which ``graphaudit`` is not on the PATH."""
    bin_dir = tmp / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "graphaudit"
    # as pip writes a console script: the guard matters, `serve --workers N` spawns processes that import it
    script.write_text(
        f"#!{sys.executable}\nimport sys\nfrom graphaudit.cli import app\n\n"
        'if __name__ == "__main__":\n    sys.exit(app())\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    path = ":".join(p for p in os.environ.get("PATH", "").split(":") if not (Path(p) / "graphaudit").exists())
    return dict(os.environ, PYTHONPATH=str(ROOT), PATH=path, COLUMNS="200")


def _people(stats: dict[str, Any]) -> int:
    return int(next(n["count"] for n in stats["nodes"] if n["name"] == "Person"))


def _run(line: str, cwd: Path, env: dict[str, str]) -> str:
    res = subprocess.run(shlex.split(line), cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{line}\n{res.stdout}\n{res.stderr}"
    return ANSI.sub("", res.stdout)


def test_readme_quick_start_then_the_printed_commands_then_the_pages(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the Makefile does)")
    env = _fresh_folder(tmp_path)
    readme = _quick_start()
    assert readme[0].startswith("make demo")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo: .*\n\t\$\(BIN\)/graphaudit demo$", makefile, re.M), (
        "make demo runs graphaudit demo"
    )

    port = free_port()
    out = _run(f".venv/bin/graphaudit demo --size village --port {port}", tmp_path, env)
    printed = [line.strip() for line in out.splitlines() if line.strip().startswith(".venv/bin/graphaudit ")]
    assert len(printed) == 2, out
    create, serve = printed
    # the README's commands are the demo's, but for the port this test had to choose
    assert [c for c in readme if c.startswith(".venv/bin/graphaudit")][:2] == [
        create,
        serve.replace(f" --port {port}", ""),
    ]
    url = f"http://127.0.0.1:{port}/"
    assert url in out and "demo --out graphaudit-demo --serve" in out

    token = _run(create, tmp_path, env).strip().splitlines()[-1]
    assert token.startswith("ga_")

    proc = subprocess.Popen(
        shlex.split(serve),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(ANSI.sub("", line))
            if "serving on" in line:
                break
        assert "serving on " + url in lines[-1], "".join(lines)
        assert "building the search index" in "".join(lines)
        # the first request after the announcement is answered
        r = httpx.get(url + "api/stats", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200 and _people(r.json()) > 0
        _log_in(url, token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _log_in(url: str, token: str) -> None:
    outside: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page: Any = browser.new_page(locale="zh-CN")

            def guard(route: Any) -> None:
                if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(url)
            assert "/login" in page.url
            page.fill("#token", token)
            page.click("button[type=submit]")
            page.wait_for_url("**/cases*")
            assert "访问令牌" not in page.content()  # not the login form any more
            stats = page.request.get(url + "api/stats")  # the session cookie the form set
            assert stats.ok and _people(stats.json()) > 0
            page.goto(url + "explorer")
            assert page.url.endswith("/explorer")
        finally:
            browser.close()
    assert outside == []


def test_demo_serve_prints_a_token_once_and_serves(tmp_path: Path) -> None:
    env = _fresh_folder(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        shlex.split(f".venv/bin/graphaudit demo --size village --serve --port {port}"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 600
        for line in proc.stdout:
            lines.append(ANSI.sub("", line).rstrip("\n"))
            if "serving on" in line or time.monotonic() > deadline:
                break
        text = "\n".join(lines)
        tokens = [t for t in lines if t.startswith("ga_")]
        assert len(tokens) == 1, text
        assert f"serving on http://127.0.0.1:{port}/" in lines[-1], text
        r = httpx.get(f"http://127.0.0.1:{port}/api/stats", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert r.status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
