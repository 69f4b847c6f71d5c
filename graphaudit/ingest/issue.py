"""A problem found in an input row, the fixed kinds of problem (REASONS), and the bookkeeping columns every
adapted row carries.

An issue's ``code`` names its kind, so a load report can count issues per kind and a spreadsheet can
group them; ``household`` and ``detail`` hold what is particular to the row (the household number, the
expected check digit, the name matched …), so the kind's text stays the same for every row of that kind.
Code that finds a problem writes its reason as before; the code, household and detail are read off the
reason by the kind's pattern below, or passed explicitly (``Issue(..., code="kin_no_head", household="…")``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["Issue", "Reason", "REASONS", "ROW", "FILE", "OTHER"]

ROW = "_row"  # 1-based row number in the file, as a spreadsheet shows it
FILE = "_file"  # file name the row came from


@dataclass(frozen=True)
class Reason:
    """A kind of problem: a fixed code, its Chinese text (then English), and the pattern of the reasons of
    that kind (a reason starting with ``户号…:`` names its household; the group ``detail`` is the row's
    particulars)."""

    code: str
    text: str
    pattern: str
    _re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_re", re.compile(self.pattern))

    def match(self, reason: str) -> re.Match[str] | None:
        return self._re.match(reason)


_HH = r"(?:户号(?P<household>[^:：]*)[:：]\s*)?"
_KIN = r"，?未推导(?:该|户内)?亲属关系.*$"

#: Every kind of problem a load reports, most specific first.
REASONS: tuple[Reason, ...] = (
    Reason(
        "missing_id_name_match",
        "缺少证件号码，按姓名匹配 missing ID, matched by name",
        r"^缺少证件号码，按姓名匹配",
    ),
    Reason("required_empty", "必填项为空 required value is empty", r"^必填项为空"),
    Reason("id_empty", "证件号码为空 empty ID", r"^证件号码为空"),
    Reason("id_old_15", "15位旧号码 old 15-digit ID", r"^15位旧号码"),
    Reason("code_old_15", "15位旧工商注册号 old 15-digit registration number", r"^15位旧工商注册号"),
    Reason("id_length", "长度应为18位 length must be 18", r"^长度应为18位 length must be 18 (?P<detail>.*)$"),
    Reason(
        "id_characters", "含非法字符 invalid characters", r"^含非法字符 invalid characters\s*(?P<detail>.*)$"
    ),
    Reason(
        "id_province",
        "省级代码无效 invalid province code",
        r"^省级代码无效 invalid province code (?P<detail>.*)$",
    ),
    Reason(
        "id_birth_date",
        "出生日期无效 invalid birth date",
        r"^出生日期无效 invalid birth date (?P<detail>.*)$",
    ),
    Reason(
        "id_birth_future",
        "出生日期在未来 birth date in the future",
        r"^出生日期在未来 [^0-9]*(?P<detail>.*)$",
    ),
    Reason(
        "id_check_digit",
        "校验位错误 bad check digit",
        r"^校验位错误 bad check (?:digit|character) (?P<detail>.*)$",
    ),
    Reason("code_empty", "代码为空 empty code", r"^代码为空"),
    Reason(
        "code_area", "行政区划码无效 invalid area code", r"^行政区划码无效 invalid area code (?P<detail>.*)$"
    ),
    Reason("org_code", "区划代码应为9或12位数字 code must be 9 or 12 digits", r"^区划代码应为9或12位数字"),
    Reason("id_scientific", "科学计数法，末位已丢失 Excel number in scientific notation", r"^科学计数法"),
    Reason(
        "bad_date", "无法识别的日期 unrecognised date", r"^无法识别的日期 unrecognised date (?P<detail>.*)$"
    ),
    Reason(
        "bad_amount",
        "无法识别的金额 unrecognised amount",
        r"^无法识别的金额 unrecognised amount (?P<detail>.*)$",
    ),
    Reason(
        "bad_gender",
        "无法识别的性别 unrecognised gender",
        r"^无法识别的性别 unrecognised gender (?P<detail>.*)$",
    ),
    Reason(
        "bad_share",
        "无法识别的持股比例 unrecognised share",
        r"^无法识别的持股比例 unrecognised share (?P<detail>.*)$",
    ),
    Reason(
        "share_range",
        "持股比例超出范围 share outside 0–100%",
        r"^持股比例超出范围 share outside \S+ (?P<detail>.*)$",
    ),
    Reason(
        "unknown_relation_to_head", "无法识别的与户主关系 unknown relation to head", r"^无法识别的与户主关系"
    ),
    Reason("unknown_status", "无法识别的户籍状态 unknown status", r"^无法识别的户籍状态"),
    Reason(
        "end_before_start",
        "任职结束日期早于开始日期 end date before start date",
        r"^任职结束日期早于开始日期",
    ),
    Reason("period_backwards", "结束日期早于开始日期 end date before start date", r"^结束日期早于开始日期"),
    Reason("unknown_relation", "无法识别的关系 unknown relation", r"^无法识别的关系"),
    Reason(
        "unknown_column",
        "未识别的列，按原表头保留 column matches no alias, kept under its header",
        r"^未识别的列",
    ),
    Reason(
        "unknown_file",
        "文件名不对应任何来源，未读取 file matches no source, not read",
        r"^文件名不对应任何(数据源|来源)",
    ),
    Reason("same_person", "两人证件号码相同 A and B are the same person", r"^两人证件号码相同"),
    Reason(
        "duplicate_key", "重复记录，以后出现的一行为准 duplicate key, the later row is kept", r"^重复记录"
    ),
    Reason(
        "recipient_matched_by_name",
        "领取人按姓名匹配到户籍人员 recipient matched to the register by name",
        r"^领取人按姓名匹配到户籍人员 matched to the register by name \((?P<detail>.*)\)$",
    ),
    Reason(
        "recipient_no_unique_match",
        "领取人无证件号码且无法唯一匹配 no ID and no unique match by name",
        r"^领取人无证件号码且无法唯一匹配（(?P<detail>[^）]*)）",
    ),
    *(
        Reason(code, text, "^" + re.escape(text) + r" \((?P<detail>.*)\)$")
        for code, text in (
            ("name_matched", "按姓名匹配 matched by name"),
            ("name_variant", "按繁简/异体字匹配 matched by a variant of the name"),
            ("name_review", "按核对结论匹配 matched by a reviewer's decision"),
            (
                "name_ambiguous",
                "同名多人，未关联，待核对 several candidates share the name: not linked, to review",
            ),
            ("name_soundalike", "音同字不同，未关联，待核对 a sound-alike name: not linked, to review"),
            (
                "name_common",
                "常见姓名且范围较宽，未关联，待核对 a common name in a wide scope: not linked, to review",
            ),
            (
                "name_unmatched",
                "按姓名未找到，已建临时人员或企业 no one of that name: a placeholder was made",
            ),
        )
    ),
    Reason("kin_heads", "户主不唯一，未推导亲属关系 several heads of household", _HH + r"户主不唯一" + _KIN),
    Reason("kin_no_head", "无户主，未推导户内亲属关系 no head of household", _HH + r"无户主" + _KIN),
    Reason("kin_spouses", "配偶不唯一，未推导亲属关系 several spouses", _HH + r"配偶不唯一" + _KIN),
    Reason(
        "kin_in_laws",
        "无唯一配偶，公婆/岳父母关系不明 parents-in-law unclear",
        _HH + r"无唯一配偶，公婆/岳父母关系不明" + _KIN,
    ),
    Reason(
        "kin_daughters_in_law",
        "儿媳与儿子无法一一对应 daughters-in-law do not pair with sons",
        _HH + r"(?P<detail>\d+个儿媳对应\d+个儿子)" + _KIN,
    ),
    Reason(
        "kin_sons_in_law",
        "女婿与女儿无法一一对应 sons-in-law do not pair with daughters",
        _HH + r"(?P<detail>\d+个女婿对应\d+个女儿)" + _KIN,
    ),
    Reason(
        "kin_grandchild_parents",
        "孙辈的父母无法唯一确定 a grandchild's parents are not unique",
        _HH + r"孙辈的父母无法唯一确定" + _KIN,
    ),
    Reason(
        "date_partial",
        "日期不完整，已补全 partial date completed",
        r"^日期不完整 partial date read as (?P<detail>[0-9-]+)",
    ),
    Reason("date_far_future", "年份过远 year too far ahead", r"^年份过远 (?P<detail>.*)$"),
    Reason("amount_not_finite", "不是有限数 not a finite number", r"^不是有限数"),
    Reason("amount_too_large", "金额过大 amount beyond the limit", r"^超过\S+元 (?P<detail>.*)$"),
    Reason(
        "row_short",
        "本行字段少于表头 row has fewer fields than the header",
        r"^本行只有(?P<detail>\d+个字段，表头有\d+个)",
    ),
    Reason(
        "row_long",
        "本行字段多于表头 row has more fields than the header",
        r"^本行有(?P<detail>\d+个字段，表头只有\d+个)",
    ),
    Reason(
        "value_spans_lines_delimiter",
        "值跨越多行且含分隔符（引号未闭合？） a value spans lines and holds the delimiter",
        r"^值跨越(?P<detail>\d+)行且含分隔符",
    ),
    Reason("value_spans_lines", "值跨越多行 a value spans lines", r"^值跨越(?P<detail>\d+)行 "),
    Reason(
        "sheet_not_read",
        "其他工作表未读取 another sheet not read",
        r"^工作表《(?P<detail>[^》]*)》有\d+行未读取",
    ),
    Reason(
        "formula_no_value",
        "公式单元格没有计算结果，读作空 formula cell without a cached value",
        r"^公式单元格没有计算结果",
    ),
)

#: The code of a reason no kind describes (a test keeps every reason a load writes out of it).
OTHER = Reason("other", "其他 other", r"^")
_BY_CODE = {r.code: r for r in (*REASONS, OTHER)}
_DROPPED = "; 已置空 value dropped"


@lru_cache(maxsize=8192)
def classify(reason: str) -> tuple[Reason, str, str]:
    """The kind of a reason text, and the household and details it names."""
    text = reason.removesuffix(_DROPPED)
    for r in REASONS:
        m = r.match(text)
        if m:
            groups = m.groupdict()
            detail = groups.get("detail") or ""
            if text != reason:
                detail = f"{detail} 已置空 value dropped".strip()
            return r, groups.get("household") or "", detail
    return OTHER, "", reason


@dataclass(frozen=True)
class Issue:
    """A problem found in an input row. action: rejected (row not loaded), repaired, or warning.

    ``reason`` is the text the finder wrote; ``code`` its kind (REASONS), ``household`` and ``detail`` what is
    particular to this row — derived from ``reason`` unless given."""

    source: str
    file: str
    row: int | None
    column: str
    action: str
    reason: str
    value: str = ""
    code: str = ""
    household: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if self.code:
            if self.code not in _BY_CODE:
                raise ValueError(
                    f"unknown issue code {self.code!r}: add it to graphaudit.ingest.issue.REASONS"
                )
            return
        kind, household, detail = classify(self.reason)
        object.__setattr__(self, "code", kind.code)
        object.__setattr__(self, "household", self.household or household)
        object.__setattr__(self, "detail", self.detail or detail)

    @property
    def text(self) -> str:
        """The kind's fixed text (Chinese, then English): the same for every issue of one code."""
        return _BY_CODE[self.code].text
