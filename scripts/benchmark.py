"""How fast audiocoach builds, and how much memory it takes, as ratios against baselines measured
in the same run (these machines are shared: only ratios of one run mean anything).

Run: .venv/bin/python scripts/benchmark.py [--parts warm cold voice batch memory music scaling cluster]

- warm: a generated 60-minute routine (four foot exercises over and over), every clip cached,
  rebuilt by `audiocoach build`, against (a) ffmpeg alone encoding the same PCM at the same
  quality (and one LAME in this process encoding it in one piece, as audiocoach would on one
  thread) and (b) a pydub script that assembles the same clips with `+=` and exports them.
- cold: `legs-hips-low-back` from an empty cache: unique clips synthesized per second with one
  worker (AUDIOCOACH_WORKERS=1) against the default (one per core), whose MP3s must be identical,
  and against one worker on as many threads as cores; the faster of two runs of each.
- voice: a short routine built from an empty clip cache in a fresh process (its few clips
  synthesized by as many workers, each loading the offline voice), with the voice prepared on
  this machine before against with no prepared voice (an empty user cache folder, as on the
  first build after installing); the faster of three runs of each.
- batch: the five bundled routines in one `build`: clips cached, `--jobs 1` against `--jobs 2`;
  from an empty cache, one worker and one job against the defaults.
- memory: peak memory of the warm build of a generated 4-hour routine against its PCM size, and
  against the 60-minute one's; with the defaults and encoding on one thread.
- music: peak memory of the warm build of a short generated routine under a 30-minute music
  file, against the same routine without music: only as much music as the track needs is read.
- scaling: mixing and mastering of synthetic tracks of 10, 40 and 120 minutes, against the
  growing-track approach (`track = concat(track, clip)`), so linear growth shows as ratios.
- cluster: the five bundled routines from an empty cache on a local Dask cluster of 1 and of 2
  single-threaded worker processes (`audiocoach.build_many`), against the local batch build with
  `--jobs 1` (one worker) and the defaults; the workers' CPU per routine and the bytes moved.
Every local build runs the real command line in a fresh process, the offline voice included.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The processes it starts (builds, cluster workers) run this working tree too, not an installed copy.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from audiocoach.ffmpeg import executable  # noqa: E402

BUNDLED = ["morning-feet", "feet-for-hips-knees-back", "hip-balancing", "legs-hips-low-back",
           "hip-to-heel"]
FOOT_ROUND = ["heel-raises", "ankle-circles-lying", "towel-toe-curls", "tibialis-band-pull"]
PART_NAMES = ["warm", "cold", "voice", "batch", "memory", "music", "scaling", "cluster"]


def generated_routine(minutes: float, folder: Path, cache: Path) -> Path:
    """A routine of the four foot exercises repeated until it lasts `minutes`; its clips cached."""
    import audiocoach

    path = folder / f"feet-{minutes:g}-minutes.yaml"
    exercises: list[dict] = []
    while True:
        exercises.append({"use": FOOT_ROUND[len(exercises) % len(FOOT_ROUND)]})
        document = {"title": f"Feet for {minutes:g} minutes", "intro": "A long session for the feet.",
                    "exercises": exercises, "outro": "That is the session. Well done."}
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        track = audiocoach.plan(audiocoach.load(path), engine="piper", cache_dir=cache)
        if track.duration_s >= minutes * 60:
            return path


def command(*arguments: str, cache: Path, **environment: str) -> float:
    """Run `audiocoach ARGUMENTS` in a fresh process; its wall time in seconds."""
    return run(*arguments, cache=cache, **environment)[0]


def run(*arguments: str, cache: Path, **environment: str) -> tuple[float, str]:
    """Run `audiocoach ARGUMENTS` in a fresh process: its wall time in seconds, and what it printed."""
    env = {**os.environ, "AUDIOCOACH_CACHE_DIR": str(cache), **environment}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "audiocoach", *arguments], check=True, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def best(runs: int, function, *args, **kwargs) -> float:
    return min(function(*args, **kwargs) for _ in range(runs))


def encode_alone(pcm: Path, rate: int, out: Path) -> float:
    """ffmpeg's libmp3lame encoding the PCM at the track's bitrate and LAME quality."""
    from audiocoach.audio.render import MP3_KBPS, MP3_QUALITY

    started = time.perf_counter()
    subprocess.run([executable(), "-v", "error", "-y", "-f", "s16le", "-ar", str(rate), "-ac", "1",
                    "-i", str(pcm), "-c:a", "libmp3lame", "-b:a", f"{MP3_KBPS}k",
                    "-compression_level", str(MP3_QUALITY), str(out)], check=True)
    return time.perf_counter() - started


def lame_alone(pcm: Path, rate: int, out: Path) -> float:
    """audiocoach's own encoder (LAME in process) encoding the PCM, with nothing to mix."""
    from audiocoach.audio.mp3 import Mp3Writer
    from audiocoach.audio.render import MP3_KBPS, MP3_QUALITY

    samples = np.fromfile(pcm, dtype="<i2")
    started = time.perf_counter()
    with open(out, "wb") as file:
        writer = Mp3Writer(file, rate, MP3_KBPS, MP3_QUALITY)
        for start in range(0, samples.size, 1 << 16):
            writer.write(samples[start:start + (1 << 16)])
        writer.close()
    return time.perf_counter() - started


def pydub_script(routine: Path, cache: Path, out: Path) -> float:
    """What a script with pydub does: silence and clips appended with `+=`, then exported."""
    import warnings

    import audiocoach
    from audiocoach.audio.render import MP3_KBPS, MP3_QUALITY

    with warnings.catch_warnings():  # it looks for a system ffmpeg before it is given one
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    AudioSegment.converter = executable()
    track = audiocoach.plan(audiocoach.load(routine), engine="piper", cache_dir=cache)
    clips, rate = track.compiled.synthesis.clips, track.sample_rate
    segments = {text: AudioSegment(clip.tobytes(), frame_rate=rate, sample_width=2, channels=1)
                for text, clip in clips.items()}
    started = time.perf_counter()
    audio = AudioSegment.empty().set_frame_rate(rate)
    for event in sorted(track.timeline.events, key=lambda e: e.start):
        if event.kind != "speech":
            continue
        gap = event.start * 1000 / rate - len(audio)
        if gap > 0:
            audio += AudioSegment.silent(gap, frame_rate=rate)
        audio += segments[event.text]
    audio.export(out, format="mp3", bitrate=f"{MP3_KBPS}k",
                 parameters=["-compression_level", str(MP3_QUALITY)])
    return time.perf_counter() - started


def pcm_of(wav: Path, pcm: Path) -> int:
    import wave

    with wave.open(str(wav)) as reader:
        pcm.write_bytes(reader.readframes(reader.getnframes()))
        return reader.getframerate()


def warm(folder: Path, cache: Path, skip_pydub: bool) -> list[str]:
    routine = generated_routine(60, folder, cache)
    out = folder / "warm.mp3"
    command("build", str(routine), "--engine", "piper", "-o", str(folder / "warm.wav"), cache=cache)
    rate = pcm_of(folder / "warm.wav", folder / "warm.pcm")
    builds, encodes, lames = [], [], []
    for _ in range(3):  # in turns, so that all see the machine in the same mood
        builds.append(command("build", str(routine), "--engine", "piper", "-o", str(out), cache=cache))
        encodes.append(encode_alone(folder / "warm.pcm", rate, folder / "alone.mp3"))
        lames.append(lame_alone(folder / "warm.pcm", rate, folder / "lame.mp3"))
    build, encode, lame = min(builds), min(encodes), min(lames)
    minutes = (folder / "warm.pcm").stat().st_size / 2 / rate / 60
    lines = [f"warm rebuild, {minutes:.0f} min routine: build {build:.2f} s; ffmpeg alone encoding "
             f"the same PCM {encode:.2f} s; build / encode x{build / encode:.2f}",
             f"  one LAME alone on that PCM, in one piece {lame:.2f} s; build / it x{build / lame:.2f}"]
    if not skip_pydub:
        baseline = pydub_script(routine, cache, folder / "pydub.mp3")
        lines.append(f"  pydub += script {baseline:.1f} s; pydub / build x{baseline / build:.1f}")
    return lines


def cold(folder: Path) -> list[str]:
    cores = str(os.cpu_count() or 1)
    timings: dict[str, list[float]] = {}
    outputs: dict[str, set[bytes]] = {}
    settings = (("1 worker, 1 thread", {"AUDIOCOACH_WORKERS": "1", "AUDIOCOACH_THREADS": "1"}),
                (f"1 worker, {cores} threads", {"AUDIOCOACH_WORKERS": "1",
                                                "AUDIOCOACH_THREADS": cores}),
                ("defaults", {}))
    for _ in range(2):  # in turns, each from an empty cache; the faster of two counts
        for label, environment in settings:
            cache = Path(tempfile.mkdtemp(dir=folder))
            out = folder / "cold.mp3"
            seconds, printed = run("build", "legs-hips-low-back", "--engine", "piper", "-o",
                                   str(out), cache=cache, **environment)
            timings.setdefault(label, []).append(seconds)
            outputs.setdefault(label, set()).add(out.read_bytes())
            clips = int(re.search(r"(\d+) clips? synthesized", printed).group(1))
    one, threads, default = (min(seconds) for seconds in timings.values())
    # one thread in every worker: the same MP3 however many workers (more threads change the
    # voice's last bits, which is why the thread count is part of the clip cache's key)
    same = len(outputs["1 worker, 1 thread"] | outputs["defaults"]) == 1
    return [f"cold build, legs-hips-low-back ({clips} unique clips, {cores} cores): 1 worker "
            f"{one:.1f} s ({clips / one:.2f} clips/s), defaults ({cores} workers) {default:.1f} s "
            f"({clips / default:.2f} clips/s); x{one / default:.2f}; MP3s identical: {same}",
            f"  1 worker on {cores} threads instead: {threads:.1f} s; x{one / threads:.2f}"]


def voice(folder: Path) -> list[str]:
    routine = folder / "short.yaml"
    routine.write_text("title: Short\nexercises:\n  - {name: Calf stretch, hold: 20s, sides: both}\n")
    prepared_home = folder / "prepared-home"
    timings: dict[str, list[float]] = {"prepared": [], "unprepared": []}
    outputs: set[bytes] = set()
    for turn in range(4):  # in turns; the first run prepares the voice in prepared_home
        for label in timings:
            home = prepared_home if label == "prepared" else Path(tempfile.mkdtemp(dir=folder))
            out = folder / "short.mp3"
            seconds = command("build", str(routine), "--engine", "piper", "-o", str(out),
                              cache=Path(tempfile.mkdtemp(dir=folder)), XDG_CACHE_HOME=str(home))
            if turn:
                timings[label].append(seconds)
            outputs.add(out.read_bytes())
    prepared, unprepared = min(timings["prepared"]), min(timings["unprepared"])
    return [f"voice load, a short routine from an empty clip cache: voice prepared {prepared:.2f} s, "
            f"not prepared {unprepared:.2f} s; x{unprepared / prepared:.2f}; "
            f"MP3s identical: {len(outputs) == 1}"]


def batch(folder: Path) -> list[str]:
    outputs = folder / "batch"
    outputs.mkdir()
    cache = Path(tempfile.mkdtemp(dir=folder))
    cold_one = command("build", *BUNDLED, "--engine", "piper", "-o", str(outputs), "--jobs", "1",
                       cache=cache, AUDIOCOACH_WORKERS="1", AUDIOCOACH_THREADS="1")
    cache = Path(tempfile.mkdtemp(dir=folder))
    cold_default = command("build", *BUNDLED, "--engine", "piper", "-o", str(outputs), cache=cache)
    warm_one = best(2, command, "build", *BUNDLED, "--engine", "piper", "-o", str(outputs),
                    "--jobs", "1", cache=cache)
    warm_two = best(2, command, "build", *BUNDLED, "--engine", "piper", "-o", str(outputs),
                    "--jobs", "2", cache=cache)
    return [f"batch of the five bundled routines, cached: --jobs 1 {warm_one:.1f} s, --jobs 2 "
            f"{warm_two:.1f} s; x{warm_one / warm_two:.2f}",
            f"  from an empty cache: 1 worker, 1 job {cold_one:.1f} s, defaults {cold_default:.1f} s;"
            f" x{cold_one / cold_default:.2f}"]


# VmHWM: the peak of this process's own memory (ru_maxrss would keep the peak of the process it
# was forked from, across exec).
PEAK = ("import sys; from audiocoach.cli import main; sys.argv[0] = 'audiocoach'\n"
        "try:\n    main()\nfinally:\n"
        "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "    print(status, file=sys.stderr)")


def peak_build(routine: Path, out: Path, cache: Path, **environment: str) -> int:
    """The peak resident memory of a build's process in bytes."""
    env = {**os.environ, "AUDIOCOACH_CACHE_DIR": str(cache), **environment}
    done = subprocess.run([sys.executable, "-c", PEAK, "build", str(routine), "--engine", "piper",
                           "-o", str(out)], env=env, capture_output=True, text=True, check=True)
    return int(done.stderr.strip().splitlines()[-1]) * 1024


def memory(folder: Path, cache: Path) -> list[str]:
    import audiocoach

    rows = {}
    for minutes in (60, 235):  # the longest track is 4 hours: 235 minutes of exercises fit
        routine = generated_routine(minutes, folder, cache)
        peak = peak_build(routine, folder / f"memory-{minutes}.mp3", cache)
        alone = peak_build(routine, folder / f"memory-{minutes}.mp3", cache, AUDIOCOACH_WORKERS="1")
        track = audiocoach.plan(audiocoach.load(routine), engine="piper", cache_dir=cache)
        rows[minutes] = (peak, alone, track.timeline.length_samples * 2)
    (peak_60, alone_60, pcm_60), (peak_240, alone_240, pcm_240) = rows[60], rows[235]
    mib = 2 ** 20
    return [f"peak memory of a warm build: 60 min {peak_60 / mib:.0f} MiB (PCM {pcm_60 / mib:.0f}"
            f" MiB), 4 h {peak_240 / mib:.0f} MiB (PCM {pcm_240 / mib:.0f} MiB); 4 h peak / "
            f"its PCM x{peak_240 / pcm_240:.2f}; 4 h peak / 60 min peak x{peak_240 / peak_60:.2f} "
            f"for 4x the length",
            f"  encoding on one thread (AUDIOCOACH_WORKERS=1): 60 min {alone_60 / mib:.0f} MiB, "
            f"4 h {alone_240 / mib:.0f} MiB; 4 h / 60 min x{alone_240 / alone_60:.2f}"]


def music(folder: Path, cache: Path) -> list[str]:
    routine = generated_routine(1, folder, cache)
    music_file = folder / "long-music.mp3"
    subprocess.run([executable(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "anoisesrc=color=pink:amplitude=0.3:duration=1800", "-ac", "2", "-b:a", "128k",
                    str(music_file)], check=True)
    document = yaml.safe_load(routine.read_text())
    with_music = folder / "short-with-long-music.yaml"
    with_music.write_text(yaml.safe_dump({**document, "music": {"file": str(music_file)}},
                                         sort_keys=False))
    plain = peak_build(routine, folder / "short.mp3", cache)
    peak = peak_build(with_music, folder / "short-with-music.mp3", cache)
    mib = 2 ** 20
    return [f"peak memory of a warm build of a {document['title'].split()[-2]}-minute routine "
            f"under 30 minutes of music: {peak / mib:.0f} MiB; without music: {plain / mib:.0f} MiB;"
            f" x{peak / plain:.2f}"]


def scaling(folder: Path) -> list[str]:
    """Mixing and mastering alone, on synthetic tracks (noise bursts as clips, no voice)."""
    from audiocoach.audio.mix import Mixer
    from audiocoach.audio.music import MusicBed
    from audiocoach.audio.render import Report, mastered_blocks, measure_voice
    from audiocoach.audio.sounds import SoundSet
    from audiocoach.routine.model import Music, default_sounds
    from audiocoach.speech.timeline import Event, Timeline

    rate = 22_050
    music_file = folder / "music.mp3"
    subprocess.run([executable(), "-v", "error", "-f", "lavfi", "-i",
                    "anoisesrc=color=pink:amplitude=0.3:duration=90", "-ac", "1", str(music_file)],
                   check=True)
    rng = np.random.default_rng(0)
    clips = {f"clip {i}": np.round((0.1 * rng.standard_normal(int(rate * (0.3 + i * 0.05)))).clip(-1, 1)
                                   * 32767).astype(np.int16) for i in range(40)}

    def mixer(minutes: float, music: bool) -> Mixer:
        timeline = Timeline("bench", rate, "synthetic", int(minutes * 60 * rate))
        position, index = rate, 0
        while position < timeline.length_samples - 3 * rate:
            text = f"clip {index % 40}"
            timeline.events.append(Event(position, clips[text].size, "speech", "tip", text, 0))
            if index % 4 == 0:
                timeline.events.append(Event(position, int(0.6 * rate), "sound", "start", "chime", 0))
            position += clips[text].size + int(rate * (1.5 + (index % 5)))
            index += 1
        sounds = SoundSet(default_sounds("chime"), rate)
        voice = Mixer(timeline, clips, sounds, None)
        if not music:
            return voice
        bed = MusicBed(Music("bench.mp3", music_file, 1), timeline, "bench", measure_voice(voice))
        return Mixer(timeline, clips, sounds, bed)

    def timed(function, *args) -> float:
        started = time.perf_counter()
        function(*args)
        return time.perf_counter() - started

    def mastered(mix: Mixer) -> None:
        blocks = mastered_blocks(mix, -19.0, Report())
        assert sum(block.size for block in blocks) == mix.length_samples

    def growing(mix: Mixer) -> None:
        track = np.zeros(0, dtype=np.int16)
        for event in (e for e in mix.events if e.kind == "speech"):
            track = np.concatenate([track, np.zeros(event.start - track.size, dtype=np.int16)])
            track = np.concatenate([track, clips[event.text]])

    rows = []
    for minutes in (10, 40, 120):
        plain, with_music = mixer(minutes, False), mixer(minutes, True)
        rows.append((minutes, timed(mastered, plain), timed(mastered, with_music),
                     timed(growing, plain)))
    lines = ["mixing and mastering alone (synthetic clips): minutes, master s, master with music s, "
             "growing-track baseline s"]
    lines += [f"  {m:>4g} {a:8.2f} {b:8.2f} {c:8.2f}" for m, a, b, c in rows]
    base = rows[0]
    lines += [f"  {row[0]:g} min / {base[0]:g} min (x{row[0] / base[0]:g} the length): master "
              f"x{row[1] / base[1]:.1f}, with music x{row[2] / base[2]:.1f}, growing "
              f"x{row[3] / base[3]:.1f}" for row in rows[1:]]
    return lines


def worker_cpu_s() -> float:
    """On a Dask worker: the CPU time its process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cluster(folder: Path) -> list[str]:
    import pickle

    from distributed import Client, LocalCluster

    import audiocoach
    from audiocoach.batch import Job
    from audiocoach.cluster import _portable
    from audiocoach.options import Options

    load_before = os.getloadavg()[0]
    seconds: dict[str, float] = {}
    outputs: dict[str, list[bytes]] = {}
    cpu_s: dict[str, float] = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as local, Client(local) as client:
            cache = Path(tempfile.mkdtemp(dir=folder))
            runs = ("cold", "warm") if workers == 1 else ("cold",)
            for run_kind in runs:  # warm: the same routines again, every clip in the cache
                label = f"cluster {workers} {run_kind}"
                out = folder / f"cluster-{workers}-{run_kind}"
                before = sum(client.run(worker_cpu_s).values())
                started = time.perf_counter()
                outcomes = audiocoach.build_many(BUNDLED, out, client=client, engine="piper",
                                                 cache_dir=cache)
                seconds[label] = time.perf_counter() - started
                cpu_s[label] = sum(client.run(worker_cpu_s).values()) - before
                assert all(outcome.error is None for outcome in outcomes), outcomes
                outputs[label] = [(out / f"{name}.mp3").read_bytes() for name in BUNDLED]
    for label, arguments, environment in (
            ("local --jobs 1", ["--jobs", "1"], {"AUDIOCOACH_WORKERS": "1", "AUDIOCOACH_THREADS": "1"}),
            ("local defaults", [], {})):
        out = folder / label.replace(" ", "-").replace("--", "")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds[label] = command("build", *BUNDLED, "--engine", "piper", "-o", str(out), *arguments,
                                 cache=Path(tempfile.mkdtemp(dir=folder)), **environment)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s[label] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        outputs[label] = [(out / f"{name}.mp3").read_bytes() for name in BUNDLED]
    count = len(BUNDLED)
    mp3_bytes = sum(len(data) for data in outputs["local defaults"])
    sent_bytes = sum(len(pickle.dumps(_portable(Job(Path(name), Path(f"{name}.mp3"),
                                                    Options(engine="piper"), False))[1]))
                     for name in BUNDLED)
    same = len({tuple(files) for files in outputs.values()}) == 1
    one, two, warm = (seconds[f"cluster {label}"] for label in ("1 cold", "2 cold", "1 warm"))
    serial, default = seconds["local --jobs 1"], seconds["local defaults"]
    return [f"cluster, the five bundled routines from an empty cache: 1 worker {one:.1f} s, "
            f"2 workers {two:.1f} s (x{one / two:.2f}); local --jobs 1 {serial:.1f} s "
            f"(1 worker / it x{one / serial:.2f}), local defaults {default:.1f} s (2 workers / it "
            f"x{two / default:.2f}); all MP3s identical: {same}",
            f"  per routine on 1 worker: {cpu_s['cluster 1 cold'] / count:.1f} s CPU cold (its "
            f"voice loaded once; local --jobs 1: {cpu_s['local --jobs 1'] / count:.1f} s), "
            f"{cpu_s['cluster 1 warm'] / count:.1f} s CPU and {warm / count:.1f} s wall warm; {sent_bytes / count / 1e3:.1f} kB sent, "
            f"{mp3_bytes / count / 1e6:.2f} MB of MP3 back; per worker core "
            f"{count / one * 3600:.0f} routines an hour cold, {count / warm * 3600:.0f} warm",
            f"  (load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
            f"{os.cpu_count()} cores)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=PART_NAMES, default=PART_NAMES)
    parser.add_argument("--no-pydub", action="store_true", help="skip the slow pydub baseline")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cache = folder / "cache"
        for part in args.parts:
            if part == "warm":
                lines = warm(folder, cache, args.no_pydub)
            elif part in ("cold", "voice", "batch", "scaling", "cluster"):
                lines = globals()[part](folder)
            elif part == "music":
                lines = music(folder, cache)
            else:
                lines = memory(folder, cache)
            print("\n".join(lines), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script's own peak: {peak:.0f} MiB)")


if __name__ == "__main__":
    main()
