"""Writing a dataset folder: clean (UTF-8, English headers, ISO dates) or messy (Chinese headers, GBK /
UTF-8-BOM / XLSX, mixed formats). Counties are appended one at a time, so a prefecture needs one county in
memory.

Messy layout: households.xlsx (Excel date cells for 出生日期; households.csv in GBK for county and prefecture
sizes), relations.csv UTF-8, cadres.csv GBK, companies.csv UTF-8-BOM, shareholders.csv GBK, contracts.csv
UTF-8-BOM, subsidies_2024-MM.csv GBK in odd months and UTF-8-BOM in even ones; the collision registers:
public_employees.xlsx (Excel date cells), vehicles.csv, deaths.csv and prisoners.csv GBK, real_estate.csv and
declarations.csv UTF-8-BOM, each with a column graphaudit does not read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from graphaudit.synth import messy as mz
from graphaudit.synth.tables import Tables

__all__ = ["DatasetWriter", "ZH", "SUBSIDY_FILES"]

ZH: dict[str, dict[str, str]] = {
    "households": {
        "household_id": "户号",
        "person_id": "公民身份号码",
        "name": "姓名",
        "relation": "与户主关系",
        "gender": "性别",
        "birth_date": "出生日期",
        "village_code": "村代码",
        "address": "住址",
        "phone": "联系电话",
        "death_date": "死亡日期",
        "status": "户籍状态",
    },
    "relations": {},
    "cadres": {
        "org_code": "单位代码",
        "org_name": "单位名称",
        "title": "职务",
        "start_date": "任职开始日期",
        "end_date": "任职结束日期",
    },
    "companies": {
        "company_id": "统一社会信用代码",
        "name": "企业名称",
        "legal_rep_id": "法定代表人证件号码",
        "legal_rep_name": "法定代表人",
        "address": "住所",
        "phone": "联系电话",
        "bank_account": "银行账号",
    },
    "shareholders": {"holder_id": "股东证件号码", "holder_name": "股东名称", "share": "持股比例"},
    "contracts": {
        "contract_id": "合同编号",
        "title": "项目名称",
        "org_code": "发包单位代码",
        "contractor_id": "承包方证件号码",
        "contractor_name": "承包方名称",
        "amount": "合同金额",
        "sign_date": "签订日期",
        "approver_id": "审批人身份证号",
        "approver_name": "审批人",
        "method": "采购方式",
    },
    "subsidies": {
        "payment_id": "发放编号",
        "program": "补贴项目",
        "recipient_id": "领取人身份证号",
        "recipient_name": "领取人姓名",
        "household_id": "户号",
        "village_code": "村代码",
        "amount": "发放金额",
        "pay_date": "发放日期",
        "approver_id": "审核人身份证号",
        "approver_name": "审核人",
        "bank_account": "银行账号",
    },
    "public_employees": {
        "person_id": "公民身份号码",
        "name": "姓名",
        "employer": "工作单位",
        "start_date": "入职日期",
        "end_date": "离职日期",
    },
    "vehicles": {
        "owner_id": "所有人身份证号",
        "owner_name": "所有人姓名",
        "plate": "号牌号码",
        "vehicle_type": "车辆类型",
        "register_date": "注册登记日期",
        "deregister_date": "注销日期",
    },
    "real_estate": {
        "owner_id": "权利人证件号码",
        "owner_name": "权利人",
        "property_id": "不动产权证号",
        "kind": "用途",
        "area": "建筑面积",
        "register_date": "登记日期",
        "deregister_date": "注销日期",
    },
    "deaths": {
        "person_id": "公民身份号码",
        "name": "死者姓名",
        "death_date": "火化日期",
        "source": "数据来源",
    },
    "prisoners": {"person_id": "身份证号", "name": "姓名", "start_date": "入监日期", "end_date": "释放日期"},
    "declarations": {
        "cadre_id": "干部身份证号",
        "relative_id": "亲属身份证号",
        "program": "补贴项目",
        "declare_date": "备案日期",
    },
}
#: The collision registers: (source, ID columns, name columns, date columns, messy encoding or "xlsx")
REGISTER_FILES = (
    ("public_employees", ("person_id",), ("name",), ("start_date", "end_date"), "xlsx"),
    ("vehicles", ("owner_id",), ("owner_name",), ("register_date", "deregister_date"), "gbk"),
    ("real_estate", ("owner_id",), ("owner_name",), ("register_date", "deregister_date"), "utf-8-sig"),
    ("deaths", ("person_id",), ("name",), ("death_date",), "gbk"),
    ("prisoners", ("person_id",), ("name",), ("start_date", "end_date"), "gbk"),
    ("declarations", ("cadre_id", "relative_id"), (), ("declare_date",), "utf-8-sig"),
)
EXTRA = {  # messy: a column real registers carry that graphaudit does not read (the load report names it)
    "vehicles": ("车身颜色", ("白", "黑", "银", "红", "蓝")),
    "real_estate": ("权利性质", ("宅基地使用权/房屋所有权", "国有建设用地使用权/房屋所有权")),
    "prisoners": ("羁押场所", ("县看守所", "省第一监狱", "省第三监狱")),
    "declarations": ("备注", ("", "", "经村民代表会议公示")),
}
SUBSIDY_FILES = [f"subsidies_2024-{m:02d}.csv" for m in range(1, 13)]
ENCODING = {
    "relations.csv": "utf-8",
    "cadres.csv": "gbk",
    "companies.csv": "utf-8-sig",
    "shareholders.csv": "gbk",
    "contracts.csv": "utf-8-sig",
    "households.csv": "gbk",
    **{f"{r[0]}.csv": r[4] for r in REGISTER_FILES if r[4] != "xlsx"},
}
SCOPES = (
    "建筑工程施工；土石方工程；市政道路工程",
    "农业技术推广；农产品收购",
    "建材销售；劳务分包",
    "水利工程施工；园林绿化",
    "电气设备安装；路灯工程",
)
FIXED_TIME = (2024, 12, 31, 0, 0, 0)
NAME_ONLY_RATE = 0.3  # messy: the share of payments and contracts that give the approver by name only


def _county_name(t: Tables) -> str:
    """The county's name (the place a contractor's name may start with)."""
    from graphaudit.synth.places import load_county

    codes = t.households["village_code"]
    return load_county(str(codes.iat[0])[:6]).name if len(codes) else "本县"


def encoding_of(name: str, messy: bool) -> str:
    """The encoding a file is written in."""
    if not messy:
        return "utf-8"
    if name.startswith("subsidies_"):
        return "gbk" if int(name[15:17]) % 2 else "utf-8-sig"
    return ENCODING[name]


class DatasetWriter:
    """Appends counties' tables to the dataset files; ``close`` returns rows per file."""

    def __init__(self, out: Path, messy: bool, rng: np.random.Generator, xlsx_households: bool) -> None:
        self.out = out
        self.messy = messy
        self.rng = rng
        self.xlsx = messy and xlsx_households
        self.handles: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}
        self.xlsx_frames: list[pd.DataFrame] = []
        self.manifest: dict[str, list[dict[str, Any]]] = {
            "missing_ids": [],
            "invalid_ids": [],
            "name_only_approvers": [],
            "contractor_variants": [],
            "recipient_variants": [],
        }
        self.hh_rows = 0
        self.register_xlsx: dict[str, list[pd.DataFrame]] = {}

    # ---- output ----------------------------------------------------------------------------------------
    def _append(self, name: str, df: pd.DataFrame) -> None:
        h = self.handles.get(name)
        first = h is None
        if h is None:
            h = open(self.out / name, "w", encoding=encoding_of(name, self.messy), newline="")
            self.handles[name] = h
        df.to_csv(h, index=False, header=first, lineterminator="\r\n" if self.messy else "\n")
        self.counts[name] = self.counts.get(name, 0) + len(df)

    def _headers(self, source: str, df: pd.DataFrame, alias: dict[str, str] | None = None) -> pd.DataFrame:
        if not self.messy:
            return df
        m = dict(ZH[source])
        m.update(alias or {})
        return df.rename(columns=m)

    def _names(self, t: Tables) -> dict[str, str]:
        """Person ID → name, from the register and the cadres' roster."""
        out = dict(zip(t.households["person_id"].tolist(), t.households["name"].tolist()))
        out.update(zip(t.cadres["person_id"].tolist(), t.cadres["name"].tolist()))
        return {k: v for k, v in out.items() if isinstance(v, str) and v}

    # ---- sources ---------------------------------------------------------------------------------------
    def add(self, t: Tables, protected: set[str], protected_pay: set[str]) -> None:
        """Write one county's tables (transformed when messy)."""
        rng = self.rng
        hh = t.households
        if self.messy:
            hh = hh.assign(person_id=mz.lower_x(rng, hh["person_id"]))
            hh, missing, invalid = mz.break_ids(
                rng,
                hh,
                protected,
                max(1, len(hh) // 400),
                max(1, len(hh) // 800),
                "households.xlsx" if self.xlsx else "households.csv",
            )
            for entry in missing + invalid:
                entry["row"] += self.hh_rows
            self.manifest["missing_ids"] += missing
            self.manifest["invalid_ids"] += invalid
            hh = hh.assign(
                name=mz.messy_names(rng, hh["name"]), death_date=mz.messy_dates(rng, hh["death_date"])
            )
            g = hh["gender"].to_numpy(dtype=object).copy()
            mf = rng.random(len(g)) < 0.02
            g[mf] = np.where(g[mf] == "男", "M", "F")
            hh = hh.assign(gender=g, 民族="汉族")
            if not self.xlsx:
                hh = hh.assign(birth_date=mz.messy_dates(rng, hh["birth_date"]))
        self.hh_rows += len(hh)
        if self.xlsx:
            self.xlsx_frames.append(hh)
            self.counts["households.xlsx"] = self.counts.get("households.xlsx", 0) + len(hh)
        else:
            self._append("households.csv", self._headers("households", hh))
        rel = t.relations
        if self.messy:
            rel = rel.assign(
                person_id_a=mz.lower_x(rng, rel["person_id_a"]),
                person_id_b=mz.lower_x(rng, rel["person_id_b"]),
            )
        self._append("relations.csv", rel)
        cad = t.cadres
        if self.messy:
            cad = cad.assign(
                person_id=mz.lower_x(rng, cad["person_id"]),
                name=mz.messy_names(rng, cad["name"]),
                start_date=mz.messy_dates(rng, cad["start_date"]),
                end_date=mz.messy_dates(rng, cad["end_date"]),
            )
        self._append("cadres.csv", self._headers("cadres", cad))
        comp = t.companies
        if self.messy:
            comp = comp.assign(
                legal_rep_id=mz.lower_x(rng, comp["legal_rep_id"]),
                经营范围=[SCOPES[i] for i in rng.integers(0, len(SCOPES), len(comp))],
            )
        self._append("companies.csv", self._headers("companies", comp))
        sh = t.shareholders
        if self.messy:
            sh = sh.assign(
                holder_id=mz.lower_x(rng, sh["holder_id"]),
                share=[f"{v * 100:g}%" for v in sh["share"].to_numpy(dtype=float)],
            )
        self._append("shareholders.csv", self._headers("shareholders", sh))
        con = t.contracts
        if not self.messy:
            con = con.assign(amount=[f"{v:.2f}" for v in con["amount"].to_numpy(dtype=float)])
        if self.messy:
            con = con.assign(
                contractor_id=mz.lower_x(rng, con["contractor_id"]),
                approver_id=mz.lower_x(rng, con["approver_id"]),
                amount=mz.messy_amounts(rng, con["amount"], gbk=False),
                sign_date=mz.messy_dates(rng, con["sign_date"]),
                备注=np.where(rng.random(len(con)) < 0.3, "已验收", ""),
            )
            con, found = mz.name_only(
                rng, con, self._names(t), "contract_id", ["contracts.csv"] * len(con), NAME_ONLY_RATE
            )
            self.manifest["name_only_approvers"] += found
            con, found = mz.contractor_variants(rng, con, _county_name(t))
            self.manifest["contractor_variants"] += found
        self._append("contracts.csv", self._headers("contracts", con))
        sub = t.subsidies
        remark = sub["remark"]
        sub = sub.drop(columns=["remark"])
        if not self.messy:
            sub = sub.assign(amount=[f"{v:.2f}" for v in sub["amount"].to_numpy(dtype=float)])
        if self.messy:
            hh0 = t.households
            key = pd.Series(list(zip(hh0["household_id"], hh0["name"])))
            unique = set(key[~key.duplicated(keep=False)])
            sub, missing = mz.blank_recipients(rng, sub, protected_pay, unique)
            self.manifest["missing_ids"] += missing
            sub, found = mz.variant_recipients(rng, sub, missing)
            self.manifest["recipient_variants"] += found
            files = [f"subsidies_{d[:7]}.csv" for d in sub["pay_date"].tolist()]
            sub, found = mz.name_only(rng, sub, self._names(t), "payment_id", files, NAME_ONLY_RATE)
            self.manifest["name_only_approvers"] += found
            sub = sub.assign(
                recipient_id=mz.lower_x(rng, sub["recipient_id"]),
                approver_id=mz.lower_x(rng, sub["approver_id"]),
                recipient_name=mz.messy_names(rng, sub["recipient_name"]),
                备注=remark.to_numpy(),
            )
        month = sub["pay_date"].str[5:7].astype(int).to_numpy()
        for m in range(1, 13):
            part = sub[month == m]
            name = SUBSIDY_FILES[m - 1]
            if self.messy:
                gbk = encoding_of(name, True) == "gbk"
                part = part.assign(
                    amount=mz.messy_amounts(rng, part["amount"], gbk=gbk),
                    pay_date=mz.messy_dates(rng, part["pay_date"]),
                )
                alias = {"bank_account": "社保卡号"} if m in (4, 5, 6, 10, 11, 12) else None
                part = self._headers("subsidies", part, alias)
            self._append(name, part)
        self._registers(t)

    def _registers(self, t: Tables) -> None:
        """The collision registers (public_employees as XLSX when messy)."""
        rng = self.rng
        for source, ids, names, dates, enc in REGISTER_FILES:
            df = t.registers.get(source)
            if df is None:
                continue
            if self.messy:
                df = df.assign(
                    **{c: mz.lower_x(rng, df[c]) for c in ids},
                    **{c: mz.messy_names(rng, df[c]) for c in names},
                    **({} if enc == "xlsx" else {c: mz.messy_dates(rng, df[c]) for c in dates}),
                )
                if source in EXTRA:
                    col, vals = EXTRA[source]
                    df = df.assign(**{col: [vals[int(i)] for i in rng.integers(0, len(vals), len(df))]})
            if self.messy and enc == "xlsx":
                self.register_xlsx.setdefault(source, []).append(df)
                self.counts[f"{source}.xlsx"] = self.counts.get(f"{source}.xlsx", 0) + len(df)
            else:
                self._append(f"{source}.csv", self._headers(source, df))

    def close(self) -> dict[str, int]:
        """Finish every file (the XLSX, if any) and return rows per file."""
        for h in self.handles.values():
            h.close()
        if self.xlsx:
            write_xlsx(self.out / "households.xlsx", pd.concat(self.xlsx_frames, ignore_index=True))
        for source, frames in self.register_xlsx.items():
            dates = next(r[3] for r in REGISTER_FILES if r[0] == source)
            df = pd.concat(frames, ignore_index=True)
            write_xlsx(self.out / f"{source}.xlsx", df, source, dates)
        for name in SUBSIDY_FILES:  # a month may be empty for a tiny dataset: still write its header
            if name not in self.counts:
                cols = list(ZH["subsidies"].values()) if self.messy else list(ZH["subsidies"])
                self._append(name, pd.DataFrame(columns=cols))
                self.handles[name].close()
        return dict(sorted(self.counts.items()))


def write_xlsx(
    path: Path, hh: pd.DataFrame, source: str = "households", dates: tuple[str, ...] = ("birth_date",)
) -> None:
    """``source``.xlsx with Chinese headers and real Excel date cells for the ``dates`` columns (出生日期 of
    households.xlsx); byte-stable across runs."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(source)
    cols = list(hh.columns)
    ws.append([ZH[source].get(c, c) for c in cols])
    at = [cols.index(c) for c in dates]
    rows = hh.to_numpy(dtype=object)
    for r in rows:
        vals: list[Any] = ["" if v is None else v for v in r]
        for bi in at:
            b = str(r[bi]) if isinstance(r[bi], str) else ""
            cell = WriteOnlyCell(ws, value=dt.date(int(b[:4]), int(b[5:7]), int(b[8:10])) if b else None)
            cell.number_format = "yyyy/m/d"
            vals[bi] = cell
        ws.append(vals)
    wb.properties.creator = "graphaudit.synth"
    wb.properties.created = dt.datetime(2024, 12, 31)
    buf = io.BytesIO()
    wb.save(buf)
    _stable_zip(buf.getvalue(), path)


def _stable_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed timestamps (and a fixed modified date in docProps/core.xml)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2024-12-31T00:00:00Z\g<2>", body)
                body = re.sub(rb"(<dcterms:created[^>]*>)[^<]*(<)", rb"\g<1>2024-12-31T00:00:00Z\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, body)
