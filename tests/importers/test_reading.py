"""Row sources: line numbers, BOMs, blank lines, quoting, --map."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyjudge.importers.common import column_names, parse_map
from polyjudge.importers.csv_rows import CsvSource
from polyjudge.importers.json_rows import JsonlSource
from polyjudge.importers.line_reader import RowError
from polyjudge.importers.reading import open_rows, sniff_format
from polyjudge.store import PolyjudgeError


def test_csv_rows_carry_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(
        b'\xef\xbb\xbfid,text\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,"x ""quoted"" y",\r\n'
    )
    source = CsvSource(path)
    assert source.columns == ("id", "text")
    rows = list(source.rows())
    assert rows == [
        (2, {"id": "1", "text": "two\r\nlines"}),
        (5, {"id": "2", "text": "plain"}),
        (6, {"id": "3", "text": 'x "quoted" y'}),  # a trailing empty cell is tolerated
    ]
    assert source.blank == 1
    assert source.bytes_read == path.stat().st_size


def test_csv_bad_line_inside_a_quoted_cell(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'id,text\n1,"one\n\xff bad\nend"\n2,ok\n')
    rows = list(CsvSource(path).rows())
    assert isinstance(rows[0][1], RowError) and rows[0][0] == 3
    assert rows[1] == (5, {"id": "2", "text": "ok"})


def test_jsonl_line_numbers_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n   \n{"a": "\xd8\xb9"}\r\n{"a": 3}')
    source = JsonlSource(path)
    assert list(source.rows()) == [(1, {"a": 1}), (4, {"a": "ع"}), (5, {"a": 3})]
    assert source.blank == 2 and source.bytes_read == path.stat().st_size


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("a.jsonl", b"x", "jsonl"),
        ("a.csv", b"{", "csv"),
        ("a.txt", b'  {"a": 1}', "jsonl"),
        ("a.txt", b"a,b\n", "csv"),
        ("a", b'\xef\xbb\xbf{"a"', "jsonl"),
    ],
)
def test_format_by_extension_else_sniffed(tmp_path: Path, name: str, head: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(head)
    assert sniff_format(path) == fmt


def test_open_rows_on_a_directory(tmp_path: Path) -> None:
    with pytest.raises(PolyjudgeError, match="is a directory"):
        open_rows(tmp_path)


def test_parse_map() -> None:
    fields = ("item", "uid", "label")
    assert parse_map(["item=uid", "label=verdict"], fields) == {"item": "uid", "label": "verdict"}
    for bad in (["item"], ["=x"], ["nope=x"], ["item=a", "item=b"]):
        with pytest.raises(PolyjudgeError):
            parse_map(bad, fields)
    # A column mapped to one field is not also read by the field of that name.
    names = column_names({"item": "uid"}, fields)
    assert names["item"] == "uid" and names["uid"] != "uid" and names["label"] == "label"


def test_jsonl_odd_but_valid_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'  {"a": 1}  \n{"a": 2} {"b": 3}\n\t{"a": "\\u00e9"}\r\n"text"\n')
    rows = list(JsonlSource(path).rows())
    assert rows[0] == (1, {"a": 1}) and rows[2] == (3, {"a": "é"})
    assert isinstance(rows[1][1], RowError) and rows[1][1].problem.startswith("bad JSON: Extra")
    assert rows[3][1].problem == "expected a JSON object, found a string"
