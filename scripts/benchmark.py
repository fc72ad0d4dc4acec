"""Assembly, mastering and encoding speed and memory, printed as figures and as ratios.

Run: python scripts/benchmark.py [--minutes 10 40 120]

A synthetic routine (a spoken clip every few seconds, silence between) is rendered at several
lengths. Mixing is compared with the growing-track approach (`track = concat(track, clip)`, what
pydub's `+=` does); the loudness pass (measure, one gain, true-peak limiter) and the music bed
(decoded, looped, ducked) are timed on top of plain mixing; and each length is compared with
the shortest, so linear growth shows as ratios near the length ratio. No voice engine runs:
clips are noise bursts of speech-like lengths.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiocoach.ffmpeg import executable  # noqa: E402
from audiocoach.mix import Mixer  # noqa: E402
from audiocoach.model import Music, default_sounds  # noqa: E402
from audiocoach.music import MusicBed  # noqa: E402
from audiocoach.render import Report, mastered_blocks, measure, render  # noqa: E402
from audiocoach.sounds import SoundSet  # noqa: E402
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


def mixer(timeline, clips, music_file: Path | None = None) -> Mixer:
    bed = None
    if music_file is not None:
        bed = MusicBed(Music("bench.mp3", music_file, 1), timeline, "bench")
    mix = Mixer(timeline, clips, SoundSet(default_sounds("chime"), RATE), bed)
    if bed is not None:
        bed.voice_lufs = measure(mix.voice, mix)
    return mix


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def mix_only(mix: Mixer) -> None:
    assert sum(mix.mix(start, end).size for start, end in mix.spans()) == mix.length


def mastered(mix: Mixer) -> None:
    assert sum(block.size for block in mastered_blocks(mix, -19.0, Report())) == mix.length


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
    with tempfile.TemporaryDirectory() as folder:
        music = Path(folder) / "music.mp3"
        subprocess.run([executable(), "-v", "error", "-f", "lavfi", "-i",
                        "anoisesrc=color=pink:amplitude=0.3:duration=90", "-ac", "1", str(music)],
                       check=True)
        for minutes in args.minutes:
            timeline, clips = synthetic(minutes)
            plain, with_music = mixer(timeline, clips), mixer(timeline, clips, music)
            row = {
                "minutes": minutes, "events": len(timeline.events),
                "mix": min(timed(mix_only, plain) for _ in range(2)),
                "master": timed(mastered, plain),
                "music mix": timed(mix_only, with_music),
                "music master": timed(mastered, with_music),
                "growing": mix_growing(timeline, clips),
                "mix MiB": peak_mib(mix_only, plain),
                "master MiB": peak_mib(mastered, with_music),
                "growing MiB": peak_mib(mix_growing, timeline, clips),
                "mp3 off": float("nan"), "mp3 full": float("nan"),
            }
            if not args.no_encode:
                row["mp3 off"] = timed(render, plain, Path(folder) / "off.mp3", "mp3", None)
                row["mp3 full"] = timed(render, with_music, Path(folder) / "full.mp3", "mp3", -19.0)
            rows.append(row)
    columns = ["minutes", "events", "mix", "master", "music mix", "music master", "growing",
               "mp3 off", "mp3 full", "mix MiB", "master MiB", "growing MiB"]
    print("times in seconds; 'master' = measure + gain + limiter; 'mp3 off' = mix and encode with "
          "loudness off and no music; 'mp3 full' = with music and loudness")
    print(" ".join(f"{c:>12}" for c in columns))
    for row in rows:
        print(" ".join(f"{row[c]:>12.3f}" if isinstance(row[c], float) else f"{row[c]:>12}"
                       for c in columns))
    for row in rows:
        print(f"{row['minutes']:g} min, same run: growing baseline / mix x{row['growing'] / row['mix']:.1f}; "
              f"master / mix x{row['master'] / row['mix']:.2f}; music master / mix "
              f"x{row['music master'] / row['mix']:.2f}; mp3 full / mp3 off x{row['mp3 full'] / row['mp3 off']:.2f}")
    base = rows[0]
    for row in rows[1:]:
        print(f"{row['minutes']:g} min vs {base['minutes']:g} min (length x{row['minutes'] / base['minutes']:g}): "
              + ", ".join(f"{c} x{row[c] / base[c]:.2f}" for c in
                          ("mix", "master", "music master", "growing", "mp3 full", "master MiB")))


if __name__ == "__main__":
    main()
