"""Write the fictional sample of past grades (``docs/samples/past_grades.csv`` and its copy ``tests/data``): the layout
of the ``grades`` import kind, CP932, ten 年度 (2016–2025), a few hundred rows.

Usage: python scripts/make_past_grades_sample.py

Deterministic (a fixed seed): the rows come from the sample's own data. Every completed case of
``legacy_cases.csv`` gives a row with its 契約番号, 受注者, 業種, 担当課, 完成日 and 最終契約金額 (the 変更後契約金額
when there is one), so that after the legacy case import the grades are linked to their contracts; the other rows
are works of the construction firms of ``legacy_contractors.csv`` in one of their 業種, numbered ``K{年度}-{seq}{課}``
from 101 up (never a number of the case sample). Dates are written in the styles legacy exports mix (令和3年8月25日,
R3.8.25, 平成30年3月15日, H30.3.15, 2021/08/25, 令和元年). Scores are whole points, as the default rule rounds them.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "docs" / "samples"
OUTPUTS = (SAMPLES / "past_grades.csv", ROOT / "tests" / "data" / "past_grades.csv")
HEADER = ["契約番号", "工事名", "業者番号", "評定点", "完成日", "業種コード", "担当課コード", "最終契約金額"]
YEARS = range(2016, 2026)
ROWS_PER_YEAR = 36
#: The 担当課 of the sample's departments that order works of each 業種.
DEPARTMENTS = {"010": ("110", "120", "130", "510"), "020": ("210", "410"), "030": ("210", "410"),
               "080": ("210", "310", "410"), "090": ("210", "310"), "130": ("120", "110"), "150": ("210", "130"),
               "170": ("110", "410", "510"), "190": ("310",), "230": ("210", "410")}
KINDS = {"010": ("道路改良工事", "河川護岸工事", "排水路整備工事", "農道改良工事"), "020": ("校舎改修工事", "集会所新築工事"),
         "030": ("公民館内装改修工事",), "080": ("照明設備改修工事", "受変電設備更新工事"),
         "090": ("給排水設備改修工事", "空調設備更新工事"), "130": ("舗装補修工事", "歩道整備工事"),
         "150": ("橋梁塗装工事", "外壁塗装工事"), "170": ("公園整備工事", "緑地整備工事"),
         "190": ("配水管布設替工事", "浄水場設備更新工事"), "230": ("旧庁舎解体工事", "倉庫解体工事")}
PLACES = ("中関", "江泊", "大道", "牟礼", "華城", "新田", "松崎", "西浦", "台道", "佐波", "勝間", "野島", "右田", "富海")
ERAS = (("令和", date(2019, 5, 1)), ("平成", date(1989, 1, 8)))


def _era(day: date) -> tuple[str, int]:
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(day)


def written(day: date, style: int) -> str:
    """The date in one of the styles the legacy exports mix."""
    era, year = _era(day)
    if style == 0:
        return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    if style == 1:
        return f"{'R' if era == '令和' else 'H'}{year}.{day.month}.{day.day}"
    if style == 2:
        return f"{day.year}/{day.month:02d}/{day.day:02d}"
    return f"{day.year}年{day.month}月{day.day}日"


def _read(name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((SAMPLES / name).read_bytes().decode("cp932"))))


def _legacy_rows(cases: list[dict]) -> list[dict]:
    """The completed cases of the case sample as graded works (their own fields, as the legacy file writes them)."""
    out = []
    for case in cases:
        if not case["完成日"] or not case["契約番号"]:
            continue
        out.append({"契約番号": case["契約番号"], "工事名": case["案件名称"], "業者番号": case["落札業者番号"],
                    "完成日": case["完成日"], "業種コード": case["業種コード"], "担当課コード": case["担当課コード"],
                    "最終契約金額": case["変更後契約金額"] or case["契約金額"], "年度": int(case["年度"])})
    return out


def build() -> bytes:
    rng = random.Random("past-grades-2026")
    firms: dict[str, set[str]] = defaultdict(set)
    for row in _read("legacy_contractors.csv"):
        if row["区分"] == "建設工事" and row["業種コード"] in DEPARTMENTS:
            firms[row["業者番号"]].add(row["業種コード"])
    numbers = sorted(firms)
    # Some firms get many works and steady scores, some few: the statistics and the 主観点 have something to show.
    weight = {n: rng.choice((1, 1, 2, 3, 8)) for n in numbers}
    main = {n: rng.choice(sorted(firms[n])) for n in numbers}  # most of a firm's works are in one 業種
    level = {n: rng.choice((68, 72, 75, 77, 79, 82, 84)) for n in numbers}
    legacy = _legacy_rows(_read("legacy_cases.csv"))
    by_year = defaultdict(list)
    for row in legacy:
        by_year[row["年度"]].append(row)
    lines = []
    style = 0
    for year in YEARS:
        rows = [dict(r) for r in by_year.get(year, [])]
        for seq in range(101, 101 + ROWS_PER_YEAR - len(rows)):
            firm = rng.choices(numbers, weights=[weight[n] for n in numbers])[0]
            code = main[firm] if rng.random() < 0.7 else rng.choice(sorted(firms[firm]))
            department = rng.choice(DEPARTMENTS[code])
            day = date(year, 4, 1) + timedelta(days=rng.randint(30, 364))
            style = (style + 1) % 4
            amount = rng.randint(50, 1500) * 100_000 + rng.randint(0, 99) * 1000
            rows.append({"契約番号": f"K{year}-{seq:03d}{department}", "業者番号": firm, "業種コード": code,
                         "担当課コード": department, "最終契約金額": str(amount), "完成日": written(day, style),
                         "工事名": f"{rng.choice(PLACES)}地区{rng.choice(KINDS[code])}", "年度": year})
        for row in rows:
            score = round(rng.gauss(level.get(row["業者番号"], 76), 3.5))
            row["評定点"] = str(max(55, min(94, score)))
        rows.sort(key=lambda r: r["契約番号"])
        lines += rows
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in lines:
        writer.writerow([row[h] for h in HEADER])
    return out.getvalue().encode("cp932")


def main() -> None:
    data = build()
    rows = data.count(b"\r\n") - 1
    for path in OUTPUTS:
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: {rows} rows")


if __name__ == "__main__":
    main()
