"""README.txt of a synthetic dataset (Chinese and English)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from graphaudit.synth.writer import encoding_of

__all__ = ["write_readme"]

DESCRIBE = {
    "households": (
        "户籍：每人一行（户号、公民身份号码、姓名、与户主关系……）",
        "household register, one row per person",
    ),
    "relations": (
        "跨户亲属关系：person_id_a 是 person_id_b 的 父母/子女/配偶/兄弟姐妹",
        "kin across households: A is B's 父母 (parent) / 子女 (child) / 配偶 (spouse) / 兄弟姐妹 (sibling)",
    ),
    "cadres": ("村两委及乡镇干部任职（含起止日期）", "village and township posts with start/end dates"),
    "companies": ("企业（统一社会信用代码、法定代表人、住所、电话、账号）", "companies"),
    "shareholders": ("股东（个人或企业）", "shareholders (persons or companies)"),
    "contracts": ("村、乡镇工程合同", "village and township contracts"),
    "subsidies": ("2024年补贴发放，按月分文件", "2024 subsidy payments, one file per month"),
    "public_employees": ("财政供养人员（入职、离职日期）", "public employees with start/end dates"),
    "vehicles": ("车辆登记（车辆类型、注册、注销日期）", "motor-vehicle register"),
    "real_estate": ("不动产登记（用途、面积、登记、注销日期）", "real-estate register"),
    "deaths": ("火化、殡葬、医院、公安的死亡记录", "deaths known outside the household register"),
    "prisoners": ("在押服刑人员（入监、出监日期）", "people in custody"),
    "declarations": ("村干部近亲属享受低保备案", "备案 of cadres' relatives receiving 低保"),
}


def write_readme(
    out: Path, header: dict[str, Any], cases: list[dict[str, Any]], near: list[dict[str, Any]], messy: bool
) -> None:
    """Write README.txt: what the files are, how many rows, encodings, and what truth.json holds."""
    lines = [
        "graphaudit 合成数据集 / graphaudit synthetic dataset",
        "=" * 48,
        f"规模 size: {header['size']}    随机种子 seed: {header['seed']}    "
        f"格式 format: {'杂乱（真实登记表样式）messy' if messy else '规范 clean'}",
        f"参照日期 reference date: {header['reference_date']}    "
        f"发放年度 payment year: {header['payment_year']}",
        "",
        "地区 places (真实区划代码；村为虚构 real county/township codes, made-up villages):",
        *[f"  {p}" for p in header["places"]],
        "",
        "文件 files (行数 rows, 编码 encoding):",
    ]
    for name, n in header["counts"].items():
        source = next((k for k in DESCRIBE if name.startswith(k)), "")
        zh, en = DESCRIBE.get(source, ("", ""))
        enc = (
            "xlsx"
            if name.endswith(".xlsx")
            else encoding_of(name, messy).replace("utf-8-sig", "utf-8 with BOM")
        )
        lines.append(f"  {name:<26}{n:>9,}  {enc:<16}{zh} / {en}")
    lines += [
        "",
        "truth.json: 所有应被检出的案例（植入的及偶然出现的）与不应被检出的近似情形（near_misses）。",
        "truth.json: every case the checks must find (planted or accidental) "
        "and the near-misses they must not flag.",
        "",
        "案例 cases by check:",
        *[f"  {k:<28}{v:>6}" for k, v in sorted(Counter(c["check"] for c in cases).items())],
        "近似情形 near-misses by check:",
        *[f"  {k:<28}{v:>6}" for k, v in sorted(Counter(c["would_be_check"] for c in near).items())],
        "",
    ]
    crossing = [c for c in cases + near if c.get("cross_county")]
    if crossing:  # prefecture sizes only: single-county READMEs are unchanged
        lines += [
            f"跨县案例 cross-county: {sum(1 for c in cases if c.get('cross_county'))} 个案例、"
            f"{sum(1 for c in near if c.get('cross_county'))} 个近似情形，干部在一个县，亲属或企业在相邻的县"
            "（truth.json 中 cross_county 为 true，counties 为两县代码）。",
            "cases whose cadre is in one county and the relative or company in the neighbouring one "
            '("cross_county": true, "counties": both county codes).',
            "",
        ]
    if messy:
        lines += [
            "杂乱格式 messy: 中文表头；GBK 与 UTF-8 BOM 混用；日期 2020/5/1、20200501、2020年5月1日 等；",
            "金额 3,600.00、¥3600（GBK 文件为 ￥）、3600元；姓名含多余空格或全角空格；身份证号末位小写 x；",
            "个别缺失或校验位错误的身份证号（见 truth.json 的 messy_manifest）；"
            "附加列（备注、民族、经营范围）；",
            "约三成补贴和合同只写审核人/审批人姓名（部分为繁体）；部分合同只写承包方名称的变体（前加县名、"
            "括号地名、繁体、空格）；缺号码的领取人部分写成繁体或同音字（真值见 messy_manifest）。",
            "messy: Chinese headers; GBK and UTF-8-BOM; mixed date and amount formats; "
            "stray spaces in names;",
            "lower-case x; a few missing or invalid IDs (listed in truth.json → messy_manifest); "
            "extra columns;",
            "about 30 % of approvers given by name only; contractors by a variant of the company name; "
            "recipients without IDs in traditional characters or with a homophone (truth in messy_manifest).",
            "",
        ]
    (out / "README.txt").write_text("\n".join(lines), encoding="utf-8")
