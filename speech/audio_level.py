"""Level arithmetic on 16-bit samples, in the standard library only (no numpy in this project)."""

from __future__ import annotations

import math
import operator
import sys
from array import array

FULL_SCALE = 32768.0
# About -50 dBFS: below the noise floor of a phone microphone, far below any speech.
SILENCE_RMS = 0.003
_LEVEL_WINDOW = 1_600  # 100 ms at 16 kHz


def samples_of(data: bytes) -> array[int]:
    """The little-endian 16-bit samples in ``data`` as integers."""
    samples = array("h")
    samples.frombytes(data)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def energy(samples: array[int], start: int = 0, end: int | None = None) -> int:
    """Sum of squares of ``samples[start:end]``."""
    part = samples[start:end]
    return sum(map(operator.mul, part, part))


def rms_of(samples: array[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(energy(samples) / len(samples)) / FULL_SCALE


def peak_of(samples: array[int]) -> float:
    if not samples:
        return 0.0
    return min(1.0, max(max(samples), -min(samples)) / FULL_SCALE)


def loudest_window_rms(samples: array[int], window: int = _LEVEL_WINDOW) -> float:
    """RMS of the loudest 100 ms, so one soft word in a long, quiet recording still counts as sound."""
    loudest = 0
    count = 1
    for start in range(0, len(samples), window):
        part = samples[start : start + window]
        part_energy = energy(part)
        if part_energy * count > loudest * len(part):
            loudest, count = part_energy, len(part)
    return math.sqrt(loudest / count) / FULL_SCALE


def is_silent(samples: array[int], threshold: float = SILENCE_RMS) -> bool:
    if peak_of(samples) < threshold:
        return True
    if rms_of(samples) >= threshold:
        return False
    return loudest_window_rms(samples) < threshold
