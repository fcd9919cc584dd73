"""The contents of the Jena stand-in (course_lib.datasets.stand_ins writes the zipped CSV):
420,551 ten-minute rows of invented weather, physically consistent (the derived columns follow
from temperature, pressure and dew point by the station's formulas), with yearly and daily
cycles, so that the forecasting chapters meet the real record's scales, correlations and wind
sentinels. Kept apart from the writing so that the weather model can be read, and changed, in
one place."""

from __future__ import annotations

import numpy as np

from course_lib.datasets._stand_in_seed import JENA_STREAM, check_seed, generator
from course_lib.datasets.weather import JENA_HEADER, JENA_ROWS

JENA_START = np.datetime64("2009-01-01T00:10:00", "s")
JENA_STEP = np.timedelta64(10, "m")
SENTINEL = -9999.0


def _smooth_noise(rng: np.random.Generator, size: int, steps: float) -> np.ndarray:
    """Unit-variance noise whose correlation time is about ``steps`` rows (a red spectrum,
    shaped in the Fourier domain: an AR(1)-like process without a Python loop)."""
    spectrum = np.fft.rfft(rng.standard_normal(size))
    frequency = np.fft.rfftfreq(size)
    spectrum /= np.sqrt(1 + (2 * np.pi * steps * frequency) ** 2)
    series = np.fft.irfft(spectrum, n=size)
    return (series - series.mean()) / series.std()


def _saturation_pressure(celsius: np.ndarray) -> np.ndarray:
    """Magnus' formula, mbar."""
    return 6.1078 * np.exp(17.27 * celsius / (celsius + 237.3))


def jena_values(seed: int = 0, rows: int = JENA_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """``(timestamps, values)`` of the stand-in Jena record: ``datetime64[s]`` of shape
    ``(rows,)`` and float64 of shape ``(rows, 14)`` in ``JENA_HEADER[1:]``'s order, with the
    wind sentinels in place.

    Temperature: a yearly cycle (about -1 °C in January to 19 °C in July), a daily cycle
    larger in summer, and weather that lasts days, partly following the pressure of a day
    before. Dew point lies below it by a spread of a few degrees; the other columns follow from
    temperature, pressure and dew point by the usual formulas (Magnus, potential temperature,
    ideal gas), as the station's derived ones do.
    """
    check_seed(seed)
    rng = generator(seed, JENA_STREAM)
    steps = np.arange(1, rows + 1)
    timestamps = JENA_START + (steps - 1) * JENA_STEP
    day = steps / 144.0
    season = -np.cos(2 * np.pi * (day - 20) / 365.2425)  # -1 in mid-January, +1 in mid-July
    hour = (steps % 144) / 6.0
    daily = np.cos(2 * np.pi * (hour - 15) / 24)  # +1 at 15:00

    pressure_weather = _smooth_noise(rng, rows, 2 * 144)
    pressure = 989.2 + 7.5 * pressure_weather + 0.4 * np.cos(2 * np.pi * hour / 12)
    lagged = np.concatenate([np.zeros(144), pressure_weather[:-144]])
    anomaly = (3.6 - 1.8 * season) * _smooth_noise(rng, rows, 3 * 144) + 1.4 * lagged
    temperature = 9.4 + 10.0 * season + (3.2 + 1.8 * season) * daily + anomaly
    temperature += 0.15 * rng.standard_normal(rows)
    np.clip(temperature, -23.0, 37.2, out=temperature)

    # Dew point: below the temperature by a spread that grows in the afternoon, in summer and
    # in warm spells; at most about 23 °C, and relative humidity at least 13%, as in Jena.
    spread = (3.2 * np.exp(0.55 * _smooth_noise(rng, rows, 144)) * (1 + 0.45 * daily)
              * (1 + 0.25 * season) + 0.25 * np.maximum(anomaly, 0))
    dew = temperature - np.maximum(spread + 0.1 * rng.standard_normal(rows), 0)
    dew = np.where(dew > 20, 20 + 3 * np.tanh((dew - 20) / 3), dew)
    vp_max = _saturation_pressure(temperature)
    driest = np.log(0.13 * vp_max / 6.1078)  # the dew point of 13% relative humidity
    dew = np.maximum(dew, 237.3 * driest / (17.27 - driest))
    vp_act = _saturation_pressure(dew)
    humidity = 100 * vp_act / vp_max
    vp_def = vp_max - vp_act
    kelvin = temperature + 273.15
    potential = kelvin * (1000 / pressure) ** 0.286
    specific = 622 * vp_act / (pressure - 0.378 * vp_act)
    concentration = 1000 * vp_act / pressure
    density = pressure * 100 / (287.05 * kelvin) * 1000

    windy = 0.55 * _smooth_noise(rng, rows, 36) - 0.25 * pressure_weather
    wind = np.clip(np.exp(windy + 0.7) - 0.25 + 0.15 * rng.standard_normal(rows), 0, 14.5)
    gust = np.clip(wind * 1.55 + 0.2 + 0.3 * np.abs(rng.standard_normal(rows)), 0, 23.5)
    direction = np.mod(220 + np.cumsum(rng.normal(0, 3.0, rows)) + 25 * rng.standard_normal(rows),
                       360)
    values = np.column_stack([
        pressure, temperature, potential, dew, humidity, vp_max, vp_act, vp_def, specific,
        concentration, density, wind, gust, direction,
    ])
    values = np.round(values, 2)
    # The real record's broken anemometer readings: -9999 in wind speed and maximum wind speed.
    broken = np.sort(rng.choice(np.arange(144, rows - 144), 5, replace=False))
    values[broken[:4], JENA_HEADER.index("wv (m/s)") - 1] = SENTINEL
    values[broken[1:], JENA_HEADER.index("max. wv (m/s)") - 1] = SENTINEL
    return timestamps, values


def jena_stamps(timestamps: np.ndarray) -> list[str]:
    """``dd.mm.yyyy HH:MM:SS`` strings, by a byte shuffle of the ISO form (no per-row
    ``strftime``)."""
    iso = np.datetime_as_string(timestamps, unit="s").astype("S19")
    raw = iso.view(np.uint8).reshape(len(iso), 19)
    jena = raw[:, [8, 9, 7, 5, 6, 4, 0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18]].copy()
    jena[:, 2] = jena[:, 5] = ord(".")
    jena[:, 10] = ord(" ")
    return jena.reshape(-1).view("S19").astype(str).tolist()
