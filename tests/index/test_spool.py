from pathlib import Path

import pytest

from index.spool import JsonlRows, JsonlWriter


def _rows(tmp_path: Path, values: list[object]) -> JsonlRows[object]:
    path = tmp_path / "rows.jsonl"
    with JsonlWriter(path) as writer:
        writer.write_all(values)
    assert writer.count == len(values)
    return JsonlRows(path, lambda value: value)


def test_rows_on_disk_read_like_a_list(tmp_path: Path) -> None:
    values: list[object] = [{"id": i, "text": "본문 " * i} for i in range(50)]
    rows = _rows(tmp_path, values)
    assert len(rows) == 50
    assert list(rows) == values
    assert rows[0] == values[0] and rows[-1] == values[-1] and rows[17] == values[17]
    assert rows[10:13] == values[10:13] and rows[45:99] == values[45:]
    assert rows[::7] == values[::7] and rows[5:5] == []
    # Random access after a slice still lands on the right row.
    assert [rows[i] for i in (30, 2, 49, 2)] == [values[i] for i in (30, 2, 49, 2)]
    with pytest.raises(IndexError):
        rows[50]
    rows.close()


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('"a"\n\n"b"\n   \n"c"\n', "utf-8")
    rows = JsonlRows(path, str)
    assert len(rows) == 3 and list(rows) == ["a", "b", "c"] and rows[1:] == ["b", "c"]
