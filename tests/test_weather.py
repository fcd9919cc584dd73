import zipfile

import numpy as np
import pytest

from course_lib.datasets import _home, weather
from course_lib.datasets.weather import JENA_HEADER, load_jena, parse_weather_csv
from tests.conftest import jena_csv, write_jena_zip


def test_shipped_sample_is_complete_hourly_metric_weather():
    record = load_jena(source="nyc")
    assert record.values.shape == (8730, 8)
    assert record.values.dtype == np.float32
    assert record.columns[record.target_index] == "T (degC)" and record.target_index == 1
    assert record.interval == np.timedelta64(3600, "s") and record.steps_per_day == 24
    assert not np.isnan(record.values).any()
    assert np.all(np.diff(record.timestamps) == np.timedelta64(1, "h"))
    temperature = record.values[:, 1]
    assert -20 < temperature.min() < 0 < 30 < temperature.max() < 45  # degrees Celsius
    pressure = record.values[:, record.columns.index("p (hPa)")]
    assert 950 < pressure.min() and pressure.max() < 1060  # hPa


@pytest.mark.parametrize("station", ["EWR", "JFK", "LGA"])
def test_every_station_loads(station):
    assert len(load_jena(source="nyc", station=station)) == 8730


def test_clean_repairs_impossible_wind_only_when_asked():
    raw = load_jena(source="nyc", station="EWR")
    wind = raw.columns.index("wv (m/s)")
    assert raw.values[:, wind].max() > 100  # the 1,048 mph reading of the source data
    cleaned = load_jena(source="nyc", station="EWR", clean=True)
    assert cleaned.values[:, wind].max() < 40
    changed = np.flatnonzero(raw.values[:, wind] != cleaned.values[:, wind])
    assert len(changed) == 1


def test_real_jena_archive_is_parsed_and_validated(data_home, monkeypatch):
    monkeypatch.setattr(weather, "JENA_ROWS", 300)
    write_jena_zip(data_home / "jena_climate_2009_2016.csv.zip", jena_csv(300))
    record = load_jena(source="jena")
    assert record.values.shape == (300, 14)
    assert record.columns == JENA_HEADER[1:]
    assert record.timestamps[0] == np.datetime64("2009-01-01T00:10:00")
    assert record.interval == np.timedelta64(600, "s") and record.steps_per_day == 144
    assert record.values[0, 1] == pytest.approx(-8.0)


def test_jena_row_count_is_checked_and_the_short_file_kept_aside(data_home):
    write_jena_zip(data_home / "jena_climate_2009_2016.csv.zip", jena_csv(10))
    with pytest.raises(ValueError, match="must hold 420,551 rows. Received: 10 rows") as error:
        load_jena(source="jena")
    (aside,) = data_home.glob("jena_climate_2009_2016.csv.zip.corrupt-*")
    assert str(aside) in str(error.value)
    assert not (data_home / "jena_climate_2009_2016.csv.zip").exists()


def test_wrong_header_is_named():
    text = jena_csv(5).replace('"T (degC)"', '"Temp"')
    with pytest.raises(ValueError, match=r"jena.csv has an unexpected header.*'Temp'"):
        parse_weather_csv(text, expected_header=JENA_HEADER, name="jena.csv")


def test_non_numeric_cell_is_named():
    lines = jena_csv(5).splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[4], "abc", 1)
    with pytest.raises(ValueError, match="jena.csv holds a value that is not a number"):
        parse_weather_csv("\n".join(lines), expected_header=JENA_HEADER, name="jena.csv")


def test_malformed_timestamp_names_row_and_value():
    text = jena_csv(5).replace("01.01.2009 00:30:00", "2009-01-01 00:30", 1)
    with pytest.raises(ValueError, match=r"row 4 has a malformed timestamp.*2009-01-01"):
        parse_weather_csv(text, expected_header=JENA_HEADER, name="jena.csv")


@pytest.mark.parametrize("text, message", [("", "is empty"), ("\n\n", "is empty")])
def test_empty_file_is_rejected(text, message):
    with pytest.raises(ValueError, match=message):
        parse_weather_csv(text, expected_header=JENA_HEADER, name="jena.csv")


def test_header_without_rows_is_rejected():
    with pytest.raises(ValueError, match="no data rows"):
        parse_weather_csv(jena_csv(0), expected_header=JENA_HEADER, name="jena.csv")


def test_truncated_archive_is_an_os_error_naming_the_file(data_home):
    path = write_jena_zip(data_home / "jena_climate_2009_2016.csv.zip", jena_csv(20))
    truncated = path.read_bytes()[:60]
    path.write_bytes(truncated)
    with pytest.raises(OSError, match=r"jena_climate_2009_2016.csv.zip is not a readable zip.*"
                                      r"moved aside to .*csv.zip.corrupt-"):
        load_jena(source="jena")
    [aside] = data_home.glob("jena_climate_2009_2016.csv.zip.corrupt-*")  # kept, not deleted
    assert aside.read_bytes() == truncated and not path.exists()


def test_archive_without_the_csv_is_rejected(data_home):
    write_jena_zip(data_home / "jena_climate_2009_2016.csv.zip", jena_csv(5), member="other.csv")
    with pytest.raises(ValueError, match="does not contain jena_climate_2009_2016.csv"):
        load_jena(source="jena")


@pytest.mark.timeout(30)  # must fail, not hang
def test_missing_archive_offline_fails_with_instructions(data_home, monkeypatch):
    monkeypatch.setattr(weather, "JENA_ZIP", _home.RemoteFile(
        "jena_climate_2009_2016.csv.zip", "http://127.0.0.1:9/jena_climate_2009_2016.csv.zip"))
    with pytest.raises(OSError, match=r"cannot be reached.*copy it to .*data_home"):
        load_jena(source="jena")


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="csv"), r"`source` must be 'nyc' or 'jena'. Received: source='csv'"),
    (dict(station="BOS"), r"`station` must be one of .* Received: station='BOS'"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_jena(**kwargs)


def test_parser_reads_every_row_of_a_large_file():
    rows = 420_551 // 20  # 21k rows; its speed is measured by `make bench`, not asserted here
    record = parse_weather_csv(jena_csv(rows), expected_header=JENA_HEADER, name="jena.csv")
    assert record.values.shape == (rows, len(JENA_HEADER) - 1)
