"""Which source a file of a dataset folder holds, by its name: the source's English name as a prefix
(``subsidies_2024-01.csv``) or one of its Chinese names anywhere in the name (``2024年低保资金发放.xlsx``).

A name that fits two sources (``企业股东.xlsx``: companies and shareholders) is an error, not a guess; a file
that fits none is reported, with the nearest source name when it looks like a misspelling.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from graphaudit.errors import InputError
from graphaudit.ingest.reader import SUPPORTED_EXTENSIONS

__all__ = ["FILE_NAMES", "Classified", "classify_files", "source_of"]

#: Chinese names a file of each source may carry (found anywhere in the file name).
FILE_NAMES: dict[str, tuple[str, ...]] = {
    "households": ("户籍", "户籍信息", "户口"),
    "relations": ("家庭成员", "亲属关系"),
    "cadres": ("干部", "村干部名单"),
    "companies": ("企业", "工商登记"),
    "shareholders": ("股东",),
    "contracts": ("合同", "工程合同"),
    "subsidies": ("补贴", "资金发放", "低保"),
    "orgs": ("单位名称", "区划代码表", "村居名称"),
    "public_employees": ("财政供养", "公职人员", "工资统发"),
    "vehicles": ("车辆", "机动车"),
    "real_estate": ("不动产", "房产登记"),
    "deaths": ("死亡", "火化", "殡葬"),
    "prisoners": ("在押", "服刑"),
    "declarations": ("备案", "低保备案", "干部近亲属"),
}


@dataclass
class Classified:
    """Files of a folder by source (sorted by name), and the files that fit no source with a hint each."""

    by_source: dict[str, list[Path]] = field(default_factory=dict)
    unmatched: list[tuple[Path, str]] = field(default_factory=list)


def source_of(name: str, sources: list[str]) -> list[str]:
    """Every source whose English name starts ``name`` (case-insensitive; not followed by a letter, so
    ``company`` does not take ``companies.csv``) or whose Chinese name is in it.  Of the Chinese names, the
    more specific wins: 低保备案 (declarations) over 低保 (subsidies), 干部近亲属 over 干部."""
    low = name.lower()
    stem = low.rsplit(".", 1)[0] if "." in low else low
    found = []
    matched: dict[str, list[str]] = {}  # source → its Chinese names found in the file name
    for s in sources:
        rest = low[len(s) :] if low.startswith(s) else None
        if rest is not None and not rest[:1].isalpha():
            found.append(s)
            continue
        hits = [zh for zh in FILE_NAMES.get(s, ()) if zh in stem]
        if hits:
            matched[s] = hits
    if found:
        return found
    # a source all of whose names found lie inside a longer name of another source found is not meant
    longer = {zh: s for s, hits in matched.items() for zh in hits}
    return [
        s
        for s, hits in matched.items()
        if not all(any(h in zh and h != zh and o != s for zh, o in longer.items()) for h in hits)
    ]


def classify_files(dataset_dir: Path, sources: list[str]) -> Classified:
    """The folder's files by source.  Hidden files, Office lock files (``~$…``) and README files are
    skipped; a name that fits two sources raises InputError."""
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise InputError(f"数据文件夹不存在 dataset folder not found: {dataset_dir}")
    out = Classified()
    for p in sorted(dataset_dir.iterdir(), key=lambda p: (p.name.lower(), p.name)):
        name = p.name
        if name.startswith(("~$", ".")) or name.lower().startswith("readme"):
            continue  # hidden, Office lock files, and a folder's README (documentation, not a register)
        supported = p.suffix.lower() in SUPPORTED_EXTENSIONS
        fits = source_of(name, sources)
        if len(fits) > 1:
            raise InputError(
                f"文件名含糊 ambiguous file name: it fits {' and '.join(fits)}; rename it after one source",
                file=p,
            )
        if fits and supported:
            out.by_source.setdefault(fits[0], []).append(p)
            continue
        if p.is_dir() and not supported:
            continue  # a sub-folder is no source file
        if fits:
            hint = f"; 格式不支持 not .csv/.xlsx: save it as .xlsx or UTF-8 CSV to load it as {fits[0]}"
        else:
            near = difflib.get_close_matches(p.stem.lower().split("_")[0], sources, n=1, cutoff=0.75)
            hint = f"; did you mean {near[0]}?" if near else ""
        out.unmatched.append((p, hint))
    return out
