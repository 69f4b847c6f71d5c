"""Reading source files: encodings, delimiters, XLSX sheets, headers and true row numbers.

The encoding fixtures in tests/fixtures/encodings/ are real bytes made by make_fixtures.py in that folder.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from graphaudit.errors import InputError
from graphaudit.ingest.reader import RawTable, find_source_files, read_table

FIX = Path(__file__).parent / "fixtures" / "encodings"
HEADER = ["户号", "公民身份号码", "姓名", "与户主关系", "性别", "出生日期", "村代码"]
NAMES = ["张三", "李 四", "王五", "刘䶮", "刘𠀀"]
SOURCES = ["households", "relations", "cadres", "companies", "shareholders", "contracts", "subsidies"]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "name, encoding, names, rows",
    [
        ("households_utf8.csv", "utf-8", NAMES, [2, 4, 5, 6, 7]),  # empty line 3 skipped, numbering true
        ("households_utf8_bom.csv", "utf-8-sig", NAMES, [2, 3, 4, 5, 6]),
        ("households_gbk.csv", "gbk", NAMES[:3], [2, 3, 4]),
        ("households_gb18030.csv", "gb18030", NAMES, [2, 3, 4, 5, 6]),  # 䶮 and 𠀀 are not in GBK
        ("households_utf16.txt", "utf-16", NAMES, [2, 3, 4, 5, 6]),  # Excel "Unicode text": tab-separated
        ("households_semicolon.csv", "utf-8", NAMES[:3], [2, 3, 4]),
    ],
)
def test_encodings(name: str, encoding: str, names: list[str], rows: list[int]) -> None:
    t = read_table(FIX / name, "households")
    assert isinstance(t, RawTable)
    assert t.encoding == encoding and t.sheet is None
    assert t.headers == HEADER and list(t.frame.columns) == HEADER
    assert t.frame["姓名"].tolist() == names
    assert t.row_numbers == rows
    assert t.frame["出生日期"].tolist()[:3] == ["1990-03-07", "1992/5/12", "1958年11月23日"]
    assert all(isinstance(v, str) for v in t.frame.to_numpy().ravel())


def test_gb18030_bytes_are_really_not_gbk() -> None:
    data = (FIX / "households_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        (FIX / "households_gbk.csv").read_bytes().decode("utf-8")


def test_undecodable_file_names_file_and_line() -> None:
    with pytest.raises(InputError) as e:
        read_table(FIX / "households_bad_bytes.csv", "households")
    err = e.value
    assert err.file and err.file.endswith("households_bad_bytes.csv") and err.row == 3
    msg = str(err)
    assert msg.startswith("households_bad_bytes.csv, row 3:")
    assert "not UTF-8 or GBK/GB18030" in msg and "line 3" in msg and "80 ff" in msg


def test_broken_utf8_after_bom_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "households.csv"
    p.write_bytes(b"\xef\xbb\xbf\xe6\x88\xb7\xe5\x8f\xb7\nH1\n\xff\n")
    with pytest.raises(InputError, match="line 3"):
        read_table(p, "households")


def test_workbook_renamed_to_csv_and_nul_bytes(tmp_path: Path) -> None:
    p = tmp_path / "households.csv"
    p.write_bytes((FIX / "cadres.xlsx").read_bytes())
    with pytest.raises(InputError, match="rename it to .xlsx"):
        read_table(p, "households")
    p.write_bytes("户号,姓名\n".encode("utf-16-le"))
    with pytest.raises(InputError, match="NUL"):
        read_table(p, "households")


def test_unsupported_extension(tmp_path: Path) -> None:
    p = tmp_path / "households.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"\.xls"):
        read_table(p, "households")


# ------------------------------------------------------------------------------------------ CSV shapes


def test_duplicate_headers_get_suffixes(tmp_path: Path) -> None:
    p = _write(tmp_path / "households.csv", "姓名,姓名,姓名 (2),户号,户号\n张三,张3,x,H1,H2\n")
    t = read_table(p, "households")
    assert list(t.frame.columns) == ["姓名", "姓名 (3)", "姓名 (2)", "户号", "户号 (2)"]
    assert t.headers == ["姓名", "姓名", "姓名 (2)", "户号", "户号"]
    assert t.frame.iloc[0].tolist() == ["张三", "张3", "x", "H1", "H2"]


def test_empty_rows_skipped_and_numbering_true(tmp_path: Path) -> None:
    text = "\n\n户号,姓名\n\nH1,张三\n,\n  ,\u3000\nH2,李四\n\n\n"
    t = read_table(_write(tmp_path / "households.csv", text), "households")
    assert t.headers == ["户号", "姓名"]
    assert t.frame.values.tolist() == [["H1", "张三"], ["H2", "李四"]]
    assert t.row_numbers == [5, 8]


def test_crlf_and_quoted_multiline_fields_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        '户号,住址,姓名\r\nH1,"北京市\r\n东城区",张三\r\n\r\n'
        'H2,"a, b",李四\r\nH3,"x\ny\nz",王五\r\nH4,ok,赵六\r\n'
    )
    t = read_table(_write(tmp_path / "households.csv", text), "households")
    assert t.frame["姓名"].tolist() == ["张三", "李四", "王五", "赵六"]
    assert t.frame["住址"].tolist()[1] == "a, b"
    assert t.row_numbers == [2, 5, 6, 9]


def test_unnamed_columns(tmp_path: Path) -> None:
    # column 3 has no header but values → column_3; column 4 has neither → dropped
    text = "户号,姓名,,\nH1,张三,备注1,\nH2,李四,,\n"
    t = read_table(_write(tmp_path / "households.csv", text), "households")
    assert list(t.frame.columns) == ["户号", "姓名", "column_3"]
    assert t.headers == ["户号", "姓名", ""]
    assert t.frame["column_3"].tolist() == ["备注1", ""]


def test_rows_longer_or_shorter_than_header_are_reported(tmp_path: Path) -> None:
    # issue 19: a long row (a comma inside a value) is rejected, a short one read as empty and reported,
    # trailing empty fields are harmless
    text = "户号,姓名\nH1,张三\nH2,李四,多出来的\nH3\nH4,赵六,,\n"
    t = read_table(_write(tmp_path / "households.csv", text), "households")
    assert list(t.frame.columns) == ["户号", "姓名"]
    assert t.frame.values.tolist() == [["H1", "张三"], ["H3", ""], ["H4", "赵六"]]
    assert t.row_numbers == [2, 4, 5]
    assert t.dropped == 1
    assert [(n[0], n[1], n[2]) for n in t.notes] == [(3, "C", "rejected"), (4, "B", "warning")]
    assert "多出来的" in t.notes[0][4]


def test_unclosed_quote_is_located(tmp_path: Path) -> None:
    p = _write(tmp_path / "households.csv", '户号,姓名\nH1,张三\nH2,"李四\nH3,王五\n')
    with pytest.raises(InputError) as e:
        read_table(p, "households")
    assert e.value.row == 3 and "unclosed quote" in str(e.value)


def test_tab_separated_txt_and_header_only(tmp_path: Path) -> None:
    t = read_table(_write(tmp_path / "cadres.txt", "公民身份号码\t姓名\n1\t张三,李四\n"), "cadres")
    assert t.frame.values.tolist() == [["1", "张三,李四"]]
    t = read_table(_write(tmp_path / "relations.csv", "person_id_a,person_id_b,relation\n"), "relations")
    assert (
        t.headers == ["person_id_a", "person_id_b", "relation"] and len(t.frame) == 0 and t.row_numbers == []
    )
    t = read_table(_write(tmp_path / "relations_empty.csv", ""), "relations")
    assert t.headers == [] and len(t.frame) == 0


def test_values_are_kept_as_written(tmp_path: Path) -> None:
    text = '户号,公民身份号码,金额,状态\n007,\'110101199003077774,"3,600.00",NA\n'
    t = read_table(_write(tmp_path / "households.csv", text), "households")
    assert t.frame.iloc[0].tolist() == ["007", "'110101199003077774", "3,600.00", "NA"]


# ------------------------------------------------------------------------------------------------ XLSX


def test_xlsx_sheet_named_after_source_with_dates() -> None:
    t = read_table(FIX / "households.xlsx", "households")
    assert t.sheet == "Households" and t.encoding == "xlsx"
    assert t.headers == HEADER + ["备注", "备注", ""]
    assert list(t.frame.columns) == HEADER + ["备注", "备注 (2)", "column_11"]
    assert t.row_numbers == [3, 4, 6]  # row 1 empty, header on row 2, row 5 empty
    births = t.frame["出生日期"].tolist()
    assert births == [datetime(1990, 3, 7), datetime(1992, 5, 12), datetime(1958, 11, 23)]
    assert all(type(b) is datetime for b in births)
    assert t.frame["村代码"].tolist() == [110101001001] * 3
    assert isinstance(t.frame["公民身份号码"][2], float)  # the ID Excel made a number of
    assert t.frame["备注 (2)"].tolist() == ["b", "", ""]
    assert t.frame["column_11"].tolist() == ["", "", "stray"]


def test_xlsx_first_sheet_when_none_is_named_after_source() -> None:
    t = read_table(FIX / "cadres.xlsx", "cadres")
    assert t.sheet == "Sheet1" and t.row_numbers == [2]
    assert t.frame["任职开始日期"][0] == datetime(2018, 1, 5)
    t = read_table(FIX / "households.xlsx", "subsidies")  # no sheet named after it: the first one
    assert t.sheet == "说明" and len(t.frame) == 0


def test_xlsx_sheet_prefix_match_and_case(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "汇总"
    wb.active.append(["x"])
    ws = wb.create_sheet("SUBSIDIES_2022")
    ws.append(["发放编号", "发放金额", "发放日期"])
    ws.append(["P1", 3600, datetime(2022, 1, 5)])
    ws.append([None, "   ", None])
    ws.append(["P2", 1200.5, datetime(2022, 2, 5)])
    p = tmp_path / "Subsidies_2022.xlsx"
    wb.save(p)
    t = read_table(p, "subsidies")
    assert t.sheet == "SUBSIDIES_2022"
    assert t.frame.values.tolist() == [
        ["P1", 3600, datetime(2022, 1, 5)],
        ["P2", 1200.5, datetime(2022, 2, 5)],
    ]
    assert t.row_numbers == [2, 4]


def test_damaged_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "households.xlsx"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot open workbook"):
        read_table(p, "households")


# ---------------------------------------------------------------------------------------- finding files


def test_find_source_files(tmp_path: Path) -> None:
    for name in [
        "households.csv",
        "households_2021.xlsx",
        "Households.CSV",
        "HOUSEHOLDS-old.txt",
        "~$households.xlsx",
        ".households.csv",
        "households.pdf",
        "households.csv.bak",
        "householdsextra.csv",
        "my_households.csv",
        "subsidies_2022-01.csv",
        "subsidies.xlsm",
        "relations.csv",
        "cadres2020.csv",
        "households.xls",
    ]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "households_dir").mkdir()
    names = [p.name for p in find_source_files(tmp_path, "households")]
    # sorted by name, case-insensitively ("-" < "." < "_")
    assert names == [
        "HOUSEHOLDS-old.txt",
        "Households.CSV",
        "households.csv",
        "households.xls",
        "households_2021.xlsx",
    ]
    assert [p.name for p in find_source_files(tmp_path, "subsidies")] == [
        "subsidies.xlsm",
        "subsidies_2022-01.csv",
    ]
    assert [p.name for p in find_source_files(tmp_path, "relations")] == ["relations.csv"]
    assert [p.name for p in find_source_files(tmp_path, "cadres")] == ["cadres2020.csv"]
    assert find_source_files(tmp_path, "companies") == []
    with pytest.raises(InputError, match="not found"):
        find_source_files(tmp_path / "nope", "households")


def test_no_source_name_is_a_prefix_of_another() -> None:
    names = list(SOURCES)
    try:  # the registry, where it can be imported; the contract's list otherwise
        from graphaudit.ingest.sources import SOURCES as registry

        names = list(registry)
    except Exception:  # pragma: no cover - another module being edited
        pass
    for a in names:
        for b in names:
            assert a == b or not b.lower().startswith(a.lower()), (a, b)


# ------------------------------------------------------------------------------------------ performance


@pytest.mark.slow
def test_300k_row_csv_reads_whole(tmp_path: Path) -> None:
    """A county-sized register reads completely with its row numbers (speed: benchmarks/ingest.py)."""
    lines = ["户号,公民身份号码,姓名,与户主关系,性别,出生日期,村代码,住址,联系电话,户籍状态"]
    lines += [
        f"H{i // 4:07d},11010119900307777{i % 10},张三{i % 97},户主,男,1990-03-07,110101001001,"
        f"北京市东城区某街道{i % 100}号,1380013{i % 10000:04d},正常"
        for i in range(300_000)
    ]
    p = tmp_path / "households.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_table(p, "households")
    assert t.frame.shape == (300_000, 10) and t.row_numbers[-1] == 300_001
    assert t.frame.iloc[123_456, 2] == f"张三{123_456 % 97}"
