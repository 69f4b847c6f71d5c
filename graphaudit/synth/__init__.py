"""Synthetic county data with planted micro-corruption cases and their truth.

``generate(out_dir, size, seed, messy)`` writes a dataset folder in the shape of DATA_CONTRACT.md (households,
relations, cadres, companies, shareholders, contracts, subsidies by month, and the collision registers:
public_employees, vehicles, real_estate, deaths, prisoners, declarations), a ``truth.json`` listing every
case the checks of DOMAIN.md must find and the near-misses they must not, and a ``README.txt``. Same size,
seed and messiness give byte-identical files.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["generate", "SynthResult", "SizeSpec", "SIZES", "load_truth"]


@dataclass(frozen=True)
class SizeSpec:
    """A dataset size: how many places and people, and how many cases to plant per county."""

    name: str
    townships: int  # per county (at most)
    villages: int  # per township; 0 = about ``county_villages`` per county
    village_pop: int  # mean people per village
    cases: int  # planted cases per check, per county
    rings: int  # collusive clusters per county
    near: int  # near-misses per kind, per county
    prefecture: bool = False
    county_villages: int = 230
    counties: int = 0  # prefecture: the first N counties in code order (0 = all)
    cross: int = 0  # prefecture: cross-county cases per kind (cases_cross.KINDS) per neighbouring pair


SIZES: dict[str, SizeSpec] = {
    "village": SizeSpec("village", 1, 1, 1000, 2, 2, 1),
    "township": SizeSpec("township", 1, 20, 1250, 8, 4, 2),
    "county": SizeSpec("county", 15, 20, 1000, 60, 50, 10),
    "prefecture": SizeSpec("prefecture", 15, 0, 1000, 20, 12, 3, prefecture=True, cross=3),
    # three counties of one small township each: the cross-county cases at test speed
    "prefecture-small": SizeSpec(
        "prefecture-small", 1, 0, 500, 2, 1, 1, prefecture=True, county_villages=10, counties=3, cross=2
    ),
}


REGISTER_IDS = (
    ("public_employees", "person_id"),
    ("vehicles", "owner_id"),
    ("real_estate", "owner_id"),
    ("deaths", "person_id"),
    ("prisoners", "person_id"),
    ("declarations", "cadre_id"),
    ("declarations", "relative_id"),
)
OUTPUTS = (
    "households.csv",
    "households.xlsx",
    "relations.csv",
    "cadres.csv",
    "companies.csv",
    "shareholders.csv",
    "contracts.csv",
    "public_employees.csv",
    "public_employees.xlsx",
    "vehicles.csv",
    "real_estate.csv",
    "deaths.csv",
    "prisoners.csv",
    "declarations.csv",
    "truth.json",
    "README.txt",
)


@dataclass
class SynthResult:
    """What :func:`generate` wrote."""

    out_dir: Path
    counts: dict[str, int]
    cases: int
    truth_path: Path
    near_misses: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_truth(path: str | Path) -> dict[str, Any]:
    """The parsed truth.json (``path`` is the file or the dataset folder)."""
    from graphaudit.synth.truth import load_truth as _load

    return _load(path)


def generate(out_dir: Path | str, size: str = "township", seed: int = 0, messy: bool = False) -> SynthResult:
    """Write a synthetic dataset of ``size`` (see SIZES) into ``out_dir``; deterministic in (size, seed,
    messy)."""
    from graphaudit.synth.background import make_companies, make_contracts, make_payments
    from graphaudit.synth.cases import plant_all
    from graphaudit.synth.cases_cross import KINDS as CROSS_KINDS
    from graphaudit.synth.cases_cross import Outsider, add_to_tables, harvest, plant_cross
    from graphaudit.synth.cases_declared import relabel_declared
    from graphaudit.synth.cases_registers import plant_company_kin
    from graphaudit.synth.officials import make_posts
    from graphaudit.synth.places import load_county, load_prefecture, other_area_codes
    from graphaudit.synth.population import generate_population, make_villages
    from graphaudit.synth.readme import write_readme
    from graphaudit.synth.registers import drop_background_ineligible, make_registers
    from graphaudit.synth.tables import finish
    from graphaudit.synth.truth import assemble, write_truth
    from graphaudit.synth.verify import run_checks
    from graphaudit.synth.world import World
    from graphaudit.synth.writer import DatasetWriter

    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    t0 = time.perf_counter()
    spec = SIZES[size]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("subsidies_*.csv"), *(out / f for f in OUTPUTS)]:
        if old.is_file():
            old.unlink()
    rng = np.random.default_rng(seed)
    counties = load_prefecture() if spec.prefecture else [load_county()]
    if spec.counties:
        counties = counties[: spec.counties]
    writer = DatasetWriter(
        out,
        messy,
        np.random.default_rng([seed, 7919]),
        xlsx_households=not spec.prefecture and size != "county",
    )
    cases: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    warnings: list[str] = []
    numbering: dict[str, int] = {}
    taken: set[str] = set()
    places: list[str] = []
    others = other_area_codes()
    cross = spec.cross if len(counties) > 1 else 0
    pool: list[Outsider] = []  # people of the previous county this one's cross-county cases name
    for i, county in enumerate(counties):
        crng = rng if len(counties) == 1 else np.random.default_rng([seed, i])
        towns, per = _townships(spec, county, seed, crng)
        villages, clans = make_villages(crng, towns, per, taken)
        pop = generate_population(crng, county, villages, clans, spec.village_pop, i, others)
        w = World(crng, county, i, pop)
        w.set_posts(make_posts(crng, w.people, w.households, villages))
        make_companies(w, len(villages) // 2 + 10)
        make_contracts(w)
        make_payments(w)
        plant_all(w, spec.cases, spec.rings, spec.near)
        crossed = plant_cross(w, pool, cross) if cross else []
        pool, outsiders = harvest(w, cross) if cross and i + 1 < len(counties) else ([], set())
        drop_background_ineligible(w)
        plant_company_kin(w)
        make_registers(w)
        relabel_declared(w)
        t = finish(w)
        c, n, warn = assemble(w, t, run_checks(w), numbering)
        xc, xn = add_to_tables(w, t, crossed, numbering)
        c, n = c + xc, n + xn
        if cross and len(xc) + len(xn) < len(CROSS_KINDS) * cross and i:
            warn.append(
                f"cross-county cases in {county.code}: {len(xc) + len(xn)} of {len(CROSS_KINDS) * cross}"
            )
        cases += c
        near += n
        warnings += warn
        # messy mode never blanks or breaks an ID that a record, a case or a kin path near a cadre needs
        protected = set(w.pids[w.used | w.is_cadre | (w.cnt4 > 0)].tolist()) | outsiders
        for col in (
            t.relations["person_id_a"],
            t.relations["person_id_b"],
            t.companies["legal_rep_id"],
            t.shareholders["holder_id"],
            t.contracts["contractor_id"],
            t.contracts["approver_id"],
            t.subsidies["recipient_id"],
            t.subsidies["approver_id"],
            *(t.registers[s][c] for s, c in REGISTER_IDS),
        ):
            protected.update(col.tolist())
        # nor a payment of anyone a case or near-miss names (a household member of an ineligible recipient
        # may be paid something else)
        named = {p for e in c + n for p in e["person_ids"]}
        sub = t.subsidies
        keep = set(sub["payment_id"][sub["recipient_id"].isin(named)].tolist())
        writer.add(t, protected, keep | {r for e in c + n for r in e["record_ids"]})
        places.append(
            f"{county.province}{county.city}{county.name}（{county.code}）: "
            + "、".join(f"{x.name}（{x.code}）" for x in towns)
        )
        del w, pop, t
    counts = writer.close()
    header = {
        "generator": "graphaudit.synth",
        "size": size,
        "seed": seed,
        "messy": messy,
        "reference_date": "2024-12-31",
        "payment_year": 2024,
        "places": places,
        "counts": counts,
    }
    manifest = writer.manifest if messy else None
    truth_path = out / "truth.json"
    write_truth(truth_path, header, cases, near, manifest, warnings)
    write_readme(out, header, cases, near, messy)
    return SynthResult(out, counts, len(cases), truth_path, len(near), warnings, time.perf_counter() - t0)


def _townships(spec: SizeSpec, county: Any, seed: int, rng: np.random.Generator) -> tuple[list[Any], int]:
    """The county's townships to populate and villages per township."""
    if spec.prefecture:
        towns = county.townships[: spec.townships]
        return towns, min(99, math.ceil(spec.county_villages / len(towns)))
    if spec.townships == 1:
        return [county.townships[seed % len(county.townships)]], spec.villages
    k = min(spec.townships, len(county.townships))
    pick = np.sort(rng.choice(len(county.townships), k, replace=False))
    return [county.townships[j] for j in pick], spec.villages
