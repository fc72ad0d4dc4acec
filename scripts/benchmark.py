"""Assembly and encoding speed and memory, printed as figures and as ratios against baselines.

Run: python scripts/benchmark.py [--minutes 10 40]

A synthetic routine (a spoken clip every few seconds, silence between) is rendered at several
lengths. Mixing is compared with the growing-track approach (`track = concat(track, clip)`, what
pydub's `+=` does), and each length with the shortest, so linear growth shows as ratios near
the length ratio. No voice engine runs: clips are tones of speech-like lengths.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiocoach.render import pcm_blocks, render  # noqa: E402
from audiocoach.timeline import Event, Timeline  # noqa: E402

RATE = 22_050


def synthetic(minutes: float) -> tuple[Timeline, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    clips = {f"clip {i}": (0.1 * rng.standard_normal(int(RATE * (0.3 + i * 0.05)))
                           ).astype(np.float32).clip(-1, 1) for i in range(40)}
    clips = {k: np.round(v * 32767).astype(np.int16) for k, v in clips.items()}
    timeline = Timeline("bench", RATE, "synthetic", int(minutes * 60 * RATE))
    position, index = RATE, 0
    while position < timeline.length - 3 * RATE:
        text = f"clip {index % 40}"
        timeline.events.append(Event(position, clips[text].size, "speech", "tip", text, 0))
        if index % 4 == 0:
            timeline.events.append(Event(position, int(0.6 * RATE), "sound", "start", "chime", 0))
        position += clips[text].size + int(RATE * (1.5 + (index % 5)))
        index += 1
    return timeline, clips


def mix_blocks(timeline, clips) -> float:
    started = time.perf_counter()
    total = sum(block.size for block in pcm_blocks(timeline, clips))
    assert total == timeline.length
    return time.perf_counter() - started


def mix_growing(timeline, clips) -> float:
    """The baseline: append silence and clips to a growing track, copying it every time."""
    started = time.perf_counter()
    track = np.zeros(0, dtype=np.int16)
    for event in (e for e in timeline.events if e.kind == "speech"):
        track = np.concatenate([track, np.zeros(event.start - track.size, dtype=np.int16)])
        track = np.concatenate([track, clips[event.text]])
    return time.perf_counter() - started


def peak_mib(function, *args) -> float:
    tracemalloc.start()
    function(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 40])
    parser.add_argument("--no-encode", action="store_true", help="skip the MP3 encoding runs")
    args = parser.parse_args()
    rows = []
    for minutes in args.minutes:
        timeline, clips = synthetic(minutes)
        mix_s = min(mix_blocks(timeline, clips) for _ in range(3))
        growing_s = mix_growing(timeline, clips)
        mix_mib = peak_mib(mix_blocks, timeline, clips)
        growing_mib = peak_mib(mix_growing, timeline, clips)
        encode_s = float("nan")
        if not args.no_encode:
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                render(timeline, clips, Path(folder) / "bench.mp3", "mp3")
                encode_s = time.perf_counter() - started
        rows.append((minutes, len(timeline.events), mix_s, growing_s, mix_mib, growing_mib, encode_s))
    print(f"{'minutes':>7} {'events':>6} {'mix s':>7} {'growing s':>9} {'speedup':>7} "
          f"{'mix MiB':>7} {'growing MiB':>11} {'mp3 s':>6} {'x realtime':>10}")
    for minutes, events, mix_s, growing_s, mix_mib, growing_mib, encode_s in rows:
        print(f"{minutes:7g} {events:6d} {mix_s:7.3f} {growing_s:9.3f} {growing_s / mix_s:7.1f} "
              f"{mix_mib:7.1f} {growing_mib:11.1f} {encode_s:6.2f} {minutes * 60 / encode_s:10.0f}")
    base = rows[0]
    for row in rows[1:]:
        length = row[0] / base[0]
        print(f"{row[0]:g} min vs {base[0]:g} min (length x{length:g}): mix x{row[2] / base[2]:.2f}, "
              f"growing baseline x{row[3] / base[3]:.2f}, mp3 build x{row[6] / base[6]:.2f}, "
              f"mix memory x{row[4] / base[4]:.2f}")


if __name__ == "__main__":
    main()
