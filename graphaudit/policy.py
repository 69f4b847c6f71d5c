"""The county's policy for the register collisions (数据碰撞), as data: which programmes are means-tested,
which are mutually exclusive, which vehicle types count, how much housing is allowed, each programme's monthly
standard, the grace days after a death or a custody, and which programmes need 备案.

The shipped default is ``graphaudit/policy.yaml`` (the defaults of DOMAIN.md); a county's file given with
``graphaudit check --policy FILE`` overrides it key by key.  A file is validated when loaded:
:class:`PolicyError` names the file and the key at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from graphaudit.errors import GraphAuditError

__all__ = ["Policy", "PolicyError", "DEFAULT_FILE", "load_policy", "default_policy"]

DEFAULT_FILE = Path(__file__).with_name("policy.yaml")


class PolicyError(GraphAuditError):
    """A policy file is unreadable or a key has the wrong shape (the message names the file and key)."""


@dataclass(frozen=True)
class Policy:
    """The rule values the collision checks use (see policy.yaml for what each means)."""

    means_tested: tuple[str, ...]
    exclusive_sets: tuple[tuple[str, ...], ...]
    vehicle_exempt: tuple[str, ...]
    vehicle_counted: tuple[str, ...]
    housing_max_properties: int
    housing_kinds: tuple[str, ...]
    standards: Mapping[str, float]
    grace_days: int
    declared_programs: tuple[str, ...]
    source: str = str(DEFAULT_FILE)

    def vehicle_counts(self, vehicle_type: str | None) -> bool:
        """Whether a vehicle of this type (as the register names it) counts as an asset."""
        t = vehicle_type or ""
        if any(w in t for w in self.vehicle_exempt):
            return False
        return not self.vehicle_counted or any(w in t for w in self.vehicle_counted)

    def housing_counts(self, kind: str | None) -> bool:
        """Whether a property of this use counts as housing (an empty use counts)."""
        return not self.housing_kinds or not kind or any(w in kind for w in self.housing_kinds)

    def exclusive_with(self, program: str) -> list[tuple[str, ...]]:
        return [s for s in self.exclusive_sets if program in s]


_KEYS = {
    "means_tested",
    "exclusive_sets",
    "vehicles",
    "housing",
    "standards",
    "grace_days",
    "declared_programs",
}


def _strings(where: str, v: Any, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise PolicyError(f"{where}: expected a list of names, e.g. [低保, 特困供养], got {v!r}")
    if not v and not allow_empty:
        raise PolicyError(f"{where}: the list is empty")
    return tuple(x.strip() for x in v)


def _int(where: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise PolicyError(f"{where}: expected a whole number from {lo} to {hi}, got {v!r}")
    return v


def _mapping(where: str, v: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise PolicyError(f"{where}: expected keys {', '.join(sorted(keys))}, got {v!r}")
    unknown = sorted(set(map(str, v)) - keys)
    if unknown:
        raise PolicyError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(keys))})")
    return v


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PolicyError(f"policy file {path}: cannot read it ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise PolicyError(f"policy file {path}: not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"policy file {path}{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError(f"policy file {path}: expected keys {', '.join(sorted(_KEYS))}")
    return data


def _build(data: Mapping[str, Any], where: str) -> Policy:
    def at(key: str) -> str:
        return f"policy file {where}: {key}"

    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise PolicyError(f"{at(unknown[0])}: unknown key (known: {', '.join(sorted(_KEYS))})")
    sets = data["exclusive_sets"]
    if not isinstance(sets, list):
        raise PolicyError(f"{at('exclusive_sets')}: expected a list of programme lists, got {sets!r}")
    exclusive = []
    for n, s in enumerate(sets, 1):
        names = _strings(f"{at('exclusive_sets')}[{n}]", s)
        if len(set(names)) < 2:
            raise PolicyError(f"{at('exclusive_sets')}[{n}]: a set needs two or more programmes, got {s!r}")
        exclusive.append(names)
    veh = _mapping(at("vehicles"), data["vehicles"], {"exempt", "counted"})
    housing = _mapping(at("housing"), data["housing"], {"max_properties", "kinds"})
    std = data["standards"]
    if not isinstance(std, dict):
        raise PolicyError(f"{at('standards')}: expected programme: yuan per month, got {std!r}")
    standards: dict[str, float] = {}
    for prog, v in std.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise PolicyError(f"{at(f'standards.{prog}')}: expected a positive amount in yuan, got {v!r}")
        standards[str(prog)] = float(v)
    return Policy(
        means_tested=_strings(at("means_tested"), data["means_tested"]),
        exclusive_sets=tuple(exclusive),
        vehicle_exempt=_strings(at("vehicles.exempt"), veh.get("exempt", [])),
        vehicle_counted=_strings(at("vehicles.counted"), veh.get("counted", [])),
        housing_max_properties=_int(at("housing.max_properties"), housing.get("max_properties", 1), 0, 100),
        housing_kinds=_strings(at("housing.kinds"), housing.get("kinds", [])),
        standards=standards,
        grace_days=_int(at("grace_days"), data["grace_days"], 0, 366),
        declared_programs=_strings(at("declared_programs"), data["declared_programs"]),
        source=where,
    )


def default_policy() -> Policy:
    """The shipped policy (graphaudit/policy.yaml)."""
    return _build(_read(DEFAULT_FILE), str(DEFAULT_FILE))


def load_policy(path: Path | str | None = None) -> Policy:
    """The default policy with the keys of ``path`` (a county's YAML file) replacing the defaults; keys of
    ``vehicles`` and ``housing`` replace one by one.  :class:`PolicyError` names the file and the key."""
    base = _read(DEFAULT_FILE)
    if path is None:
        return _build(base, str(DEFAULT_FILE))
    path = Path(path)
    mine = _read(path)
    merged = dict(base)
    for k, v in mine.items():
        if k in ("vehicles", "housing") and isinstance(v, dict) and isinstance(base.get(k), dict):
            merged[k] = {**base[k], **v}
        else:
            merged[k] = v
    return _build(merged, str(path))
