"""The CSV rules shared by every reference-data file (header, UTF-8 with or without a byte-order mark, unreadable
files), exercised through the indicator CSV."""

import pytest

from assessment.reference_csv import ReferenceFileError, read_csv_text
from assessment.regional.indicators import parse_indicator_csv

SHANDONG = "370000"
HEADER = "region_code,period,indicator,value,source\n"


@pytest.mark.parametrize(
    "header", ["region_code,period,indicator,value", "region,period,indicator,value,source",
               "region_code,period,indicator,value,source,note", "region_code,period,period,indicator,value,source"],
)
def test_indicator_csv_header_is_required(header):
    with pytest.raises(ReferenceFileError, match="indicators.csv: line 1: the header must name the columns "
                                                 "region_code,period,indicator,value,source"):
        parse_indicator_csv(header + "\n370000,2025,population,1,x\n", file_name="indicators.csv")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_indicator_csv_with_or_without_byte_order_mark(tmp_path, bom):
    path = tmp_path / "indicators.csv"
    path.write_bytes(bom + (HEADER + "370000,2025,population,101230000,统计年鉴\n").encode("utf-8"))
    [row] = parse_indicator_csv(read_csv_text(path), file_name=str(path))
    assert (row.region_code, row.period, row.indicator, row.value, row.source) == (
        SHANDONG, 2025, "population", 101_230_000, "统计年鉴")


def test_unreadable_csv_files(tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_bytes(HEADER.encode() + b"370000,2025,population,1,\xff\n")
    with pytest.raises(ReferenceFileError, match=f"{path}: line 2: not UTF-8 text"):
        read_csv_text(path)
    with pytest.raises(ReferenceFileError, match="cannot read file"):
        read_csv_text(tmp_path / "absent.csv")

