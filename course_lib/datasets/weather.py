"""Hourly or ten-minute weather records: the real Jena climate archive and the shipped sample.

Both sources are CSV files in the Jena dialect (a quoted header, then ``dd.mm.yyyy HH:MM:SS``
timestamps and numeric columns), so one vectorised parser reads both and returns a
:class:`WeatherRecord`.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from course_lib._files import move_aside
from course_lib.datasets._home import (RemoteFile, fetch, get_data_home,
                                       refuse_unaccepted_stand_in)

JENA_ZIP = RemoteFile(
    filename="jena_climate_2009_2016.csv.zip",
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip",
)
JENA_MEMBER = "jena_climate_2009_2016.csv"
JENA_ROWS = 420_551
JENA_HEADER = (
    "Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
    "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)",
    "max. wv (m/s)", "wd (deg)",
)
SAMPLE_HEADER = (
    "Date Time", "p (hPa)", "T (degC)", "Tdew (degC)", "rh (%)", "wv (m/s)", "wd (deg)",
    "precip (mm)", "visib (km)",
)
SAMPLE_STATIONS = ("EWR", "JFK", "LGA")
TARGET = "T (degC)"
_WIND_COLUMNS = ("wv (m/s)", "max. wv (m/s)")
_MAX_PLAUSIBLE_WIND = 100.0  # m/s; above any recorded gust


@dataclass(frozen=True)
class WeatherRecord:
    """A weather series: one row per timestamp, one column per measured variable.

    ``values`` has shape ``(rows, features)`` and dtype float32; ``columns`` names those
    features in order; ``target`` is the column the course forecasts (air temperature).
    """

    timestamps: np.ndarray  # datetime64[s], shape (rows,)
    values: np.ndarray  # float32, shape (rows, features)
    columns: tuple[str, ...]
    target: str
    interval: np.timedelta64
    source: str

    @property
    def target_index(self) -> int:
        return self.columns.index(self.target)

    @property
    def steps_per_day(self) -> int:
        return int(np.timedelta64(1, "D") // self.interval)

    def __len__(self) -> int:
        return len(self.values)


def parse_weather_csv(text: str, *, expected_header: tuple[str, ...], name: str) -> WeatherRecord:
    """Parse Jena-dialect CSV text, validating header, timestamps and numbers.

    ``name`` is the file the text came from; every error message names it.
    """
    if not text.strip():
        raise ValueError(f"{name} is empty: expected a header line and data rows.")
    header_line, _, body = text.partition("\n")
    header = tuple(cell.strip().strip('"') for cell in header_line.strip().split(","))
    if header != expected_header:
        raise ValueError(
            f"{name} has an unexpected header. Received: {header}. Expected: {expected_header}."
        )
    lines = body.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(f"{name} has a header but no data rows.")
    stamps = np.array([line[:19] for line in lines], dtype="S19")
    timestamps = _parse_timestamps(stamps, name)
    numeric = "\n".join(line[20:] for line in lines)
    try:
        values = np.loadtxt(
            io.StringIO(numeric), delimiter=",", dtype=np.float32, ndmin=2
        )
    except ValueError as exc:
        raise ValueError(f"{name} holds a value that is not a number: {exc}") from exc
    if values.shape != (len(lines), len(expected_header) - 1):
        raise ValueError(
            f"{name} must have {len(expected_header) - 1} numeric columns in every row. "
            f"Received: an array of shape {values.shape}."
        )
    steps = np.diff(timestamps)
    interval = np.median(steps) if len(steps) else np.timedelta64(1, "h")
    return WeatherRecord(
        timestamps=timestamps,
        values=values,
        columns=expected_header[1:],
        target=TARGET,
        interval=np.timedelta64(int(interval.astype("timedelta64[s]").astype(np.int64)), "s"),
        source=name,
    )


def _parse_timestamps(stamps: np.ndarray, name: str) -> np.ndarray:
    """``dd.mm.yyyy HH:MM:SS`` byte strings to datetime64, vectorised via a byte shuffle."""
    raw = stamps.view(np.uint8).reshape(len(stamps), 19)
    digits = [0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18]
    separators = {2: b".", 5: b".", 10: b" ", 13: b":", 16: b":"}
    valid = np.all((raw[:, digits] >= ord("0")) & (raw[:, digits] <= ord("9")), axis=1)
    for column, char in separators.items():
        valid &= raw[:, column] == ord(char)
    if not valid.all():
        row = int(np.argmin(valid))
        raise ValueError(
            f"{name} row {row + 2} has a malformed timestamp. Received: "
            f"{stamps[row].decode(errors='replace')!r}. Expected the form '01.01.2009 00:10:00'."
        )
    iso = np.empty_like(raw)
    order = [6, 7, 8, 9, 5, 3, 4, 2, 0, 1, 10, 11, 12, 13, 14, 15, 16, 17, 18]
    iso[:] = raw[:, order]
    iso[:, 4] = iso[:, 7] = ord("-")
    iso[:, 10] = ord("T")
    try:
        return iso.reshape(-1).view("S19").astype("datetime64[s]")
    except ValueError as exc:
        raise ValueError(f"{name} holds an impossible date: {exc}") from exc


def clean_wind(record: WeatherRecord) -> WeatherRecord:
    """Replace impossible wind speeds (negative, or above 100 m/s) by interpolation.

    The Jena record holds -9999 sentinels and the EWR sample one reading of 1,048 mph; the
    lecture used the data as it is, so cleaning is an explicit choice.
    """
    values = record.values.copy()
    rows = np.arange(len(values))
    for column in _WIND_COLUMNS:
        if column not in record.columns:
            continue
        series = values[:, record.columns.index(column)]
        bad = (series < 0) | (series > _MAX_PLAUSIBLE_WIND)
        if bad.any() and not bad.all():
            series[bad] = np.interp(rows[bad], rows[~bad], series[~bad])
    return WeatherRecord(
        record.timestamps, values, record.columns, record.target, record.interval, record.source
    )


def weather_csv_text(
    *,
    source: str = "nyc",
    station: str = "LGA",
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> str:
    """The weather record's CSV file as one string, as the lecture reads Jena's before parsing
    it line by line: the shipped NYC file (``source="nyc"``), or the CSV inside Jena's zip
    (``source="jena"``), downloaded once into the data home."""
    if source == "nyc":
        if station not in SAMPLE_STATIONS:
            raise ValueError(
                f"`station` must be one of {SAMPLE_STATIONS}. Received: station={station!r}"
            )
        packaged = resources.files("course_lib.datasets") / "data" / _sample_file(station)
        return gzip.decompress(packaged.read_bytes()).decode("ascii")
    if source == "jena":
        archive = fetch(JENA_ZIP, data_home=data_home, download_if_missing=download_if_missing)
        return _read_zip_member(archive, JENA_MEMBER)
    raise ValueError(f"`source` must be 'nyc' or 'jena'. Received: source={source!r}")


def _sample_file(station: str) -> str:
    return f"nyc_weather_2013_{station.lower()}.csv.gz"


def load_jena(
    *,
    source: str = "nyc",
    station: str = "LGA",
    clean: bool = False,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> WeatherRecord:
    """Load the weather record the forecasting chapters train on.

    ``source="nyc"`` (default, offline): real hourly observations of 2013 at one New York
    airport (``station`` = ``"EWR"``, ``"JFK"`` or ``"LGA"``), shipped with course_lib.
    ``source="jena"``: the lecture's Jena climate record 2009-2016 (10-minute steps, 420,551
    rows), downloaded once into the data home. ``clean=True`` repairs impossible wind speeds.
    """
    text = weather_csv_text(source=source, station=station, data_home=data_home,
                            download_if_missing=download_if_missing)
    if source == "nyc":
        record = parse_weather_csv(text, expected_header=SAMPLE_HEADER,
                                   name=_sample_file(station))
    else:
        name = f"{get_data_home(data_home) / JENA_ZIP.filename}:{JENA_MEMBER}"
        record = parse_weather_csv(text, expected_header=JENA_HEADER, name=name)
        if len(record) != JENA_ROWS:
            archive = get_data_home(data_home) / JENA_ZIP.filename
            raise ValueError(
                f"{archive} must hold {JENA_ROWS:,} rows. Received: {len(record):,} rows. It was "
                f"moved aside to {move_aside(archive)}; the next call downloads it again from "
                f"{JENA_ZIP.url}."
            )
    return clean_wind(record) if clean else record


def _read_zip_member(archive: Path, member: str) -> str:
    """Read one CSV from a zip without extracting anything to disk (no path can escape)."""
    try:
        refuse_unaccepted_stand_in(archive)
        with zipfile.ZipFile(archive) as bundle:
            names = bundle.namelist()
            if member not in names:
                raise ValueError(
                    f"{archive} does not contain {member}. Received members: {names[:5]}"
                )
            return bundle.read(member).decode("utf-8")
    except zipfile.BadZipFile as exc:
        raise OSError(
            f"{archive} is not a readable zip archive ({exc}); it is probably truncated. It was "
            f"moved aside to {move_aside(archive)}; the next call downloads it again from "
            f"{JENA_ZIP.url}."
        ) from exc
