"""Metrics: the crisis detector, a pure function from one hourly series to crisis windows.

Definitions (docs/metrics.md repeats them):

- **Baseline** ``b(t)`` of negative posts in hour t: the median of the same hour of the week in the 4
  weeks before (when at least 2 of them are in the data); else the median of the same hour of the day
  in the 7 days before (at least 3); else none, and the hour is not judged: the first three days of a
  series only teach the detector its daily rhythm. Hours in a data gap and hours already flagged hot
  are left out (a second pass), so a long crisis does not become its own baseline.
- **Scale** ``s(t)`` = max(1.4826 x the median absolute residual |x - b| over the 168 hours before,
  sqrt(b(t)), 1): a robust standard deviation, floored by Poisson noise.
- **z** = (x - b) / s for the hour, and z3 = (x3 - b3) / (s sqrt 3) for the 3 hours up to it (sums).
- **Negative share**: negative / scored customer posts over the 3 hours up to t; its baseline is the
  same ratio over the 168 hours before.
- An hour is **hot** when max(z, z3) >= ``z``, the 3-hour negative count >= ``min_negative``, and the
  3-hour negative share >= baseline share + ``share_points``: a spike of praise (a campaign) raises
  volume but dilutes the negative share, so it is not a crisis.
- Hot hours closer than ``merge_gap_hours`` form one window; a window with at least ``min_hours`` hot
  hours is a crisis. **Emerging**: a window still hot in the last hour of the data is a crisis with fewer
  hot hours when the evidence is strong (that hour's z at least 1.5 x ``z`` and at least 2 x
  ``min_negative`` negative posts in the last 3 hours): a watcher cannot wait three hours to say that a storm
  has started. If the next hours calm down, the short window is no crisis any more. A window that starts before the previous crisis is back within baseline continues
  that crisis. It **starts** at its first hot hour, moved back (up to 3 hours, the reach of the 3-hour sum) to where the hourly
  excess over baseline began; it **ends** after its last hot hour.
- **Phases**: baseline (the 24 hours before the start), onset (start until the excess first reaches half
  of the peak excess), escalation (until the peak), peak (the hours around the highest excess with at
  least 80 % of it), decline (until the series is back within baseline: z < 1), resolved (the first
  ``resolve_hours`` back within baseline), aftermath (the 72 hours after that, up to the end of the data or
  its first hole).
- **The end of the data is not a recovery**, nor is a hole in it: back within baseline needs
  ``resolve_hours`` hours in the data with z < 1. The series stops at the end of the brand's data (see
  ``hourly.py``). A crisis that is not back within baseline for ``resolve_hours`` before the data ends is
  **open**: no back-to-baseline time, no resolved or aftermath phase; the phase after its peak is
  ``decline`` when its hot hours stopped before the end of the data, and ``unresolved`` when it was still
  hot in the last ``merge_gap_hours`` of the data, in which case its end is unknown (``ended_at`` None).
  A hole of ``resolve_hours`` or more in the data after a crisis ends its data just the same: what comes
  after the hole (another export, months later) cannot tell whether it recovered.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.core.i18n import N_, name_in
from pipeline.core.settings import Detector

PHASES = ("baseline", "onset", "escalation", "peak", "decline", "unresolved", "resolved", "aftermath")
# each phase in words, translated where shown (``phase_name``); the stored phase is the code above
_PHASE_NAMES = {
    "baseline": N_("baseline"),
    "onset": N_("onset"),
    "escalation": N_("escalation"),
    "peak": N_("peak"),
    "decline": N_("decline"),
    "unresolved": N_("unresolved"),
    "resolved": N_("resolved"),
    "aftermath": N_("aftermath"),
}


def phase_name(phase: str) -> str:
    """A phase's name in the current language (an unknown code as it is)."""
    return name_in(_PHASE_NAMES, phase)


@dataclass(frozen=True)
class CrisisWindow:
    started_at: pd.Timestamp
    peak_at: pd.Timestamp
    ended_at: pd.Timestamp | None  # end of the last hot hour (None: still hot when the data ends)
    back_at: pd.Timestamp | None  # back within baseline from here (None: not yet in the data)
    peak_z: float
    phases: tuple[tuple[str, pd.Timestamp, pd.Timestamp], ...] = field(default=())
    baseline_negative: float = 0.0  # negative posts expected in [started_at, ended_at)

    data_end_at: pd.Timestamp | None = None  # end of the last hour of data after it (series end, or a long hole)

    @property
    def is_resolved(self) -> bool:
        return self.back_at is not None

    @property
    def is_open(self) -> bool:
        return self.back_at is None


def _shifted(values: np.ndarray, lags) -> np.ndarray:
    """A matrix with one row per lag: values[t - lag] (NaN before the start)."""
    out = np.full((len(lags), len(values)), np.nan)
    for i, lag in enumerate(lags):
        if lag < len(values):
            out[i, lag:] = values[: len(values) - lag]
    return out


def _median_of(matrix: np.ndarray, minimum: int) -> np.ndarray:
    counts = np.sum(~np.isnan(matrix), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are expected: no history yet
        medians = np.nanmedian(matrix, axis=0)
    return np.where(counts >= minimum, medians, np.nan)


def robust_baseline(history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and scale for every hour from ``history`` (NaN = not usable). See the module docstring."""
    weekly = _median_of(_shifted(history, [168 * k for k in range(1, 5)]), 2)
    daily = _median_of(_shifted(history, [24 * k for k in range(1, 8)]), 3)
    base = np.where(~np.isnan(weekly), weekly, daily)
    residual = pd.Series(np.abs(history - base))
    mad = residual.shift(1).rolling(168, min_periods=24).median().to_numpy()
    scale = np.fmax(np.fmax(1.4826 * mad, np.sqrt(np.nan_to_num(base))), 1.0)
    return base, scale


def _hot_hours(negative, scored, usable, detector: Detector, exclude: np.ndarray):
    history = np.where(usable & ~exclude, negative, np.nan)
    base, scale = robust_baseline(history)
    x = np.where(usable, negative, np.nan)
    z1 = (x - base) / scale
    x3 = pd.Series(x).rolling(3, min_periods=1).sum().to_numpy()
    b3 = pd.Series(base).rolling(3, min_periods=1).sum().to_numpy()
    z3 = (x3 - b3) / (scale * np.sqrt(3))
    s3 = pd.Series(np.where(usable, scored, np.nan)).rolling(3, min_periods=1).sum().to_numpy()
    neg_hist = pd.Series(np.where(usable & ~exclude, negative, np.nan)).shift(1).rolling(168, min_periods=12).sum()
    scored_hist = pd.Series(np.where(usable & ~exclude, scored, np.nan)).shift(1).rolling(168, min_periods=12).sum()
    base_share = (neg_hist / scored_hist.replace(0, np.nan)).to_numpy()
    with np.errstate(all="ignore"):
        share3 = x3 / s3
        z = np.fmax(z1, z3)
        hot = (
            (z >= detector.z)
            & (x3 >= detector.min_negative)
            & (share3 >= np.nan_to_num(base_share, nan=0.0) + detector.share_points)
            & usable
            & ~np.isnan(base)
        )
    return hot, base, scale, z1, z


EMERGING_Z = 1.5  # at the end of the data, a shorter run counts when z >= 1.5 x the threshold
EMERGING_NEGATIVE = 2  # and its 3-hour negative count >= 2 x min_negative


def _windows(hot: np.ndarray, detector: Detector, strong_end: bool = False) -> list[tuple[int, int, int]]:
    """(first hot index, last hot index, hot-hour count) of each merged run that is long enough; with
    ``strong_end``, also a shorter run still hot in the last hour of the series (an emerging crisis)."""
    runs: list[tuple[int, int, int]] = []
    start: int | None = None
    last, count = 0, 0
    for i in (int(index) for index in np.flatnonzero(hot)):
        if start is not None and i - last <= detector.merge_gap_hours:
            last, count = i, count + 1
            continue
        if start is not None:
            runs.append((start, last, count))
        start, last, count = i, i, 1
    if start is not None:
        runs.append((start, last, count))
    return [run for run in runs if run[2] >= detector.min_hours or (strong_end and run[1] == len(hot) - 1)]


def detect_crises(
    hours: pd.DatetimeIndex, negative: np.ndarray, scored: np.ndarray, is_gap: np.ndarray, detector: Detector
) -> list[CrisisWindow]:
    """Crisis windows in one brand's hourly series (hours consecutive, one per element)."""
    negative = np.asarray(negative, dtype=float)
    scored = np.asarray(scored, dtype=float)
    usable = ~np.asarray(is_gap, dtype=bool)
    n = len(negative)
    if n < 24:
        return []
    hot, *_ = _hot_hours(negative, scored, usable, detector, np.zeros(n, dtype=bool))
    hot, base, scale, z1, z = _hot_hours(negative, scored, usable, detector, hot)
    excess = np.nan_to_num(negative - base)

    def back_within_baseline(end: int) -> tuple[int | None, int]:
        """(the first hour of ``resolve_hours`` calm hours in the data, or None; where the data stops for this
        crisis: the end of the series, or the start of a hole at least ``resolve_hours`` long)."""
        missing = 0
        for i in range(end, n):
            missing = missing + 1 if not usable[i] else 0
            if missing >= detector.resolve_hours:  # the data stops here; what came after is another story
                return None, i - missing + 1
            if i + detector.resolve_hours > n:
                continue
            calm = z1[i : i + detector.resolve_hours]
            # hours in a data gap are unknown, not calm: a hole in the export is not a recovery
            if np.all(usable[i : i + detector.resolve_hours] & (np.nan_to_num(calm, nan=np.inf) < 1)):
                return i, n
        return None, n

    # an emerging crisis: still hot in the last hour of the data, with strong evidence (see the docstring)
    strong_end = bool(
        hot[-1]
        and z[-1] >= EMERGING_Z * detector.z
        and np.nansum(negative[-3:]) >= EMERGING_NEGATIVE * detector.min_negative
    )
    runs: list[tuple] = []
    for first, last, _ in _windows(hot, detector, strong_end):
        if runs and (runs[-1][2] is None and first < runs[-1][3] or runs[-1][2] is not None and first < runs[-1][2]):
            first = runs.pop()[0]  # not yet back to baseline: the same crisis
        runs.append((first, last, *back_within_baseline(last + 1)))
    windows = []
    for first, last, back, stop in runs:
        start = first
        while start > max(first - 3, 0) and usable[start - 1] and z1[start - 1] >= 1 and excess[start - 1] > 0:
            start -= 1
        end = last + 1
        peak = start + int(np.argmax(excess[start:end]))
        peak_excess = max(excess[peak], 1e-9)
        escalation = start + int(np.argmax(excess[start:end] >= 0.5 * peak_excess))
        peak_start = peak
        while peak_start > start and excess[peak_start - 1] >= 0.8 * peak_excess:
            peak_start -= 1
        peak_end = peak + 1
        while peak_end < end and excess[peak_end] >= 0.8 * peak_excess:
            peak_end += 1
        decline_end = back if back is not None else stop
        still_hot = back is None and last >= stop - 1 - detector.merge_gap_hours
        spans = [
            ("baseline", max(start - 24, 0), start),
            ("onset", start, escalation),
            ("escalation", escalation, peak_start),
            ("peak", peak_start, peak_end),
            ("unresolved" if still_hot else "decline", peak_end, decline_end),
        ]
        if back is not None:
            resolved_end = back + detector.resolve_hours
            aftermath_end = min(resolved_end + 72, n)
            holes = np.flatnonzero(~usable[resolved_end:aftermath_end])
            if len(holes):  # the aftermath is watched in the data only, up to its first hole
                aftermath_end = resolved_end + int(holes[0])
            spans += [("resolved", back, resolved_end), ("aftermath", resolved_end, aftermath_end)]
        phases = tuple((name, hours[a], hours[b - 1] + pd.Timedelta(hours=1)) for name, a, b in spans if b > a)
        windows.append(
            CrisisWindow(
                started_at=hours[start],
                peak_at=hours[peak],
                ended_at=None if still_hot else hours[end - 1] + pd.Timedelta(hours=1),
                back_at=hours[back] if back is not None else None,
                peak_z=round(float(np.nanmax(z[start:end])), 2),
                phases=phases,
                baseline_negative=float(np.nansum(base[start:end])),
                data_end_at=hours[stop - 1] + pd.Timedelta(hours=1),
            )
        )
    return windows
