"""Time ``bot.tables.read_table`` on a generated 10,000-row task table and on the real fixture.

Run: ``.venv/bin/python benchmarks/bench_import.py [--rows N] [--repeat K]``

The generated table has a title row, a header, a 合计 row, 12-row groups whose 主要领域
and 牵头单位 cells are merged (as offices lay them out) and a legend row; it is written
as .xlsx and as the equivalent GBK CSV (domain repeated down, as a CSV export does).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.tables import read_table  # noqa: E402

HEADER = ["序号", "主要领域", "年度目标任务", "年度投资(万元)", "完成时限", "牵头单位", "责任单位", "1—7月份完成情况", "形象进度"]
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "putuo-2021-livelihood-100.xlsx"
NOW = datetime(2021, 8, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUP = 12
CN = "一二三四五六七八九十"


def _row(i: int) -> list[object]:
    group = (i - 1) // GROUP
    return [
        i,
        f"{CN[group % 10]}、第{group + 1}领域",
        f"完成第{i}项重点任务，新建设施{i % 97}处",
        (i * 37) % 5000 or None,
        f"2021.{i % 12 + 1}",
        "区住建局 区综合行政执法局",
        "沈家门街道、东港街道" if i % 3 else "各镇、街道、管委会",
        f"已完成年度目标的{i % 100}%。",
        "□★—▲"[i % 4],
    ]


def write_xlsx(path: Path, rows: int) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2021年度重点工作任务进展情况表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    ws.append([None, "合计", None, 123456])
    first = 4
    for i in range(1, rows + 1):
        values = _row(i)
        if (i - 1) % GROUP:
            values[1] = values[5] = None  # covered by the merged cells below
        ws.append(values)
    for start in range(first, first + rows, GROUP):
        end = min(start + GROUP - 1, first + rows - 1)
        if end > start:
            ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
            ws.merge_cells(start_row=start, start_column=6, end_row=end, end_column=6)
    ws.append(["备注：□提前完成 ★推进良好 —一般 ▲较为缓慢"])
    wb.save(path)


def write_csv(path: Path, rows: int) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for i in range(1, rows + 1):
        writer.writerow(["" if v is None else v for v in _row(i)])
    path.write_bytes(buf.getvalue().encode("gb18030"))


def timed(path: Path, repeat: int) -> tuple[float, int]:
    data = path.read_bytes()
    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        table = read_table(data, path.name, now=NOW)
        best = min(best, time.perf_counter() - start)
        count = len(table.items)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xlsx, csv_path = Path(tmp) / "big.xlsx", Path(tmp) / "big.csv"
        start = time.perf_counter()
        write_xlsx(xlsx, args.rows)
        write_csv(csv_path, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - start:.1f} s "
              f"(xlsx {xlsx.stat().st_size // 1024} KiB, csv {csv_path.stat().st_size // 1024} KiB)")
        results = {}
        for label, path in (("xlsx", xlsx), ("csv", csv_path)):
            seconds, items = timed(path, args.repeat)
            assert items == args.rows, (label, items)
            results[label] = seconds
            print(f"{label:8} {seconds:7.3f} s  {args.rows / seconds:10,.0f} rows/s  ({items} items)")
    if FIXTURE.exists():
        seconds, items = timed(FIXTURE, args.repeat)
        print(f"fixture  {seconds:7.3f} s  {items / seconds:10,.0f} rows/s  ({items} items)")
        print(f"ratio: {args.rows}-row xlsx takes {results['xlsx'] / seconds:.0f}x the fixture "
              f"for {args.rows / items:.0f}x the rows")
    else:
        print(f"fixture not found at {FIXTURE}")


if __name__ == "__main__":
    main()
