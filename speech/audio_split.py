"""Long speech → pieces no longer than a limit, cut where it is quietest so no word is split."""

from __future__ import annotations

from array import array
from itertools import pairwise

from speech.audio_level import energy, samples_of
from speech.audio_types import BYTES_PER_SAMPLE, SAMPLE_RATE, Pcm

_SEARCH_SECONDS = 5.0  # how far before each limit to look for a pause
_BLOCK = SAMPLE_RATE // 50  # 20 ms, about one syllable's gap
_MIN_PIECE_SECONDS = 0.1


def split_pcm(pcm: Pcm, max_seconds: float) -> list[Pcm]:
    """Pieces of ``pcm``, each at most ``max_seconds``, that join back to exactly ``pcm``.

    Each cut falls in the quietest 20 ms within the last few seconds before the limit. An empty ``pcm`` gives
    no pieces. ``max_seconds`` below 0.1 s is a programming error (ValueError).
    """
    if max_seconds < _MIN_PIECE_SECONDS:
        raise ValueError(f"max_seconds must be at least {_MIN_PIECE_SECONDS} s")
    if not pcm.samples:
        return []
    limit = int(max_seconds * SAMPLE_RATE)
    samples = samples_of(pcm.samples)
    if len(samples) <= limit:
        return [pcm]
    search = min(int(_SEARCH_SECONDS * SAMPLE_RATE), limit // 2)
    cuts = [0]
    while len(samples) - cuts[-1] > limit:
        end = cuts[-1] + limit
        cuts.append(_quietest_point(samples, end - search, end))
    cuts.append(len(samples))
    return [Pcm(pcm.samples[a * BYTES_PER_SAMPLE : b * BYTES_PER_SAMPLE]) for a, b in pairwise(cuts)]


def _quietest_point(samples: array[int], start: int, end: int) -> int:
    """The middle of the quietest 20 ms block in ``samples[start:end]``; the latest one on a tie."""
    best_end, best_energy = end, -1
    for block_end in range(end, start + _BLOCK - 1, -_BLOCK):
        block_energy = energy(samples, block_end - _BLOCK, block_end)
        if best_energy < 0 or block_energy < best_energy:
            best_end, best_energy = block_end, block_energy
    if best_energy < 0:
        return end
    return best_end - _BLOCK // 2
