"""Places by name: the village, township and county names behind the 6-, 9- and 12-digit codes.

One resolver for every page, export and sentence.  Names come, first found first, from

1. the organisations of the graph (``Org`` nodes): the names the cadres' registers give (``org_name``) and the
   optional ``orgs`` source (code, name — graphaudit.ingest.orgs);
2. the admin divisions the package ships (``graphaudit/data/admin-divisions``): counties (6 digits) and
   townships (9 digits).  Villages (12 digits) are not shipped: they need a register.

An organisation whose stored name is its own code counts as unnamed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from graphaudit.data import data_rows

__all__ = ["Places", "shipped_names", "CODE_RE"]

#: A bare 9- or 12-digit code (township, village) in a text: not part of a longer number or a masked ID
#: (``140107********00**``).  Six digits are left alone: in a sentence they are more often an amount.
CODE_RE = re.compile(r"(?<![0-9*.,])(?:[0-9]{12}|[0-9]{9})(?![0-9*.])")
#: The last character of a place's name that an address may repeat after the code (村, 镇 …).
_KINDS = "村镇乡街道社区居委会"


@lru_cache(maxsize=1)
def shipped_names() -> dict[str, str]:
    """Code → name of every county (6 digits) and township (9 digits) the package ships."""
    names = {r["code"]: r["name"] for r in data_rows("admin-divisions", "areas.csv")}
    names.update({r["code"]: r["name"] for r in data_rows("admin-divisions", "streets.csv")})
    return names


class Places:
    """Names of organisations by code: :meth:`name` (or "" when unknown), :meth:`label` (name, else code),
    :meth:`full` (township and village), :meth:`tree` (township → village, for a picker)."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self._own = {str(c): n for c, n in (names or {}).items() if n and str(n) != str(c)}

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Places:
        """From rows with ``id`` (or ``code``) and ``name``: Org nodes, the ``orgs`` source."""
        return cls({str(r.get("id") or r.get("code")): str(r.get("name") or "") for r in rows})

    @classmethod
    def from_store(cls, store: Any) -> Places:
        """From a GraphStore's Org nodes (catalogue query ``case_orgs``) and the shipped divisions."""
        from graphaudit.checks.check import run_query

        return cls.from_rows(run_query(store, "case_orgs"))

    @classmethod
    def from_paths(cls, paths: Iterable[Mapping[str, Any]]) -> Places:
        """From the Org nodes of findings' evidence paths (``{"nodes": [{label, id, caption}, …]}``)."""
        return cls(
            {
                str(n["id"]): str(n.get("caption") or "")
                for p in paths
                for n in p.get("nodes", [])
                if n.get("label") == "Org"
            }
        )

    def merged(self, other: Places) -> Places:
        """These names, then ``other``'s where these have none."""
        return Places({**other._own, **self._own})

    def name(self, code: str | None) -> str:
        """The name of ``code``, or "" when no source names it."""
        c = str(code or "")
        return self._own.get(c) or shipped_names().get(c, "")

    def label(self, code: str | None) -> str:
        """The name of ``code``, else the code itself."""
        return self.name(code) or str(code or "")

    def township(self, code: str | None) -> str:
        """The township code of a village (its first 9 digits); a township's own code."""
        c = str(code or "")
        return c[:9] if len(c) == 12 else c

    def full(self, code: str | None) -> str:
        """Township and village, ``西坪镇 西坪村``; a township by its name; the code when nothing is known."""
        c = str(code or "")
        if len(c) != 12:
            return self.label(c)
        town, village = self.name(c[:9]), self.name(c)
        if not village:
            return f"{town} {c}" if town else c
        return f"{town} {village}" if town and not village.startswith(town) else village

    def named(self, text: str | None) -> str:
        """``text`` with every known 9- or 12-digit code replaced by its name; an address written as the
        code and its kind (``140107001201村RA1号``) reads ``东坪村RA1号``, not ``东坪村村RA1号``."""
        t = text or ""

        def name(m: re.Match[str]) -> str:
            n = self.name(m.group(0))
            if not n:
                return m.group(0)
            after = t[m.end() : m.end() + 1]
            return n[:-1] if after and n.endswith(after) and after in _KINDS else n

        return CODE_RE.sub(name, t)

    def known(self) -> dict[str, str]:
        """Code → :meth:`full` name of every organisation the data names (for a page to name codes)."""
        return {c: self.full(c) for c in sorted(self._own)}

    def tree(self, codes: Iterable[str]) -> list[dict[str, Any]]:
        """Township → village for the given organisation codes, ordered by code:
        ``[{code, name, villages: [{code, name}, …]}, …]``."""
        towns: dict[str, set[str]] = {}
        for c in {str(x) for x in codes if x}:
            towns.setdefault(self.township(c), set())
            if len(c) == 12:
                towns[c[:9]].add(c)
        return [
            {
                "code": t,
                "name": self.label(t),
                "villages": [{"code": v, "name": self.label(v)} for v in sorted(vs)],
            }
            for t, vs in sorted(towns.items())
        ]
