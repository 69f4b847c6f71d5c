"""Issue 20: ``graphaudit synth --size prefecture`` has every county of the prefecture, from the admin
divisions the package ships, wherever it runs (it once wrote 3 counties instead of 13 without ../shared)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graphaudit.synth.places import DEFAULT_CITY, load_prefecture

ROOT = Path(__file__).resolve().parents[1]


def test_prefecture_has_all_13_counties_of_lvliang_from_any_folder(tmp_path: Path) -> None:
    code = "from graphaudit.synth.places import load_prefecture; print(len(load_prefecture()))"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "13"  # 吕梁市: 离石区 and 12 counties and county-level cities
    counties = load_prefecture()
    assert all(c.code.startswith(DEFAULT_CITY) and c.townships for c in counties)
    assert len({c.code for c in counties}) == 13


def test_a_city_without_counties_is_an_error() -> None:
    with pytest.raises(ValueError, match="9999"):
        load_prefecture("9999")
