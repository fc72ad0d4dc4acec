"""Several routines at once: output in the given order, one bad routine stopping only itself,
and the same files as one at a time."""

from __future__ import annotations

GOOD = "title: {title}\nexercises:\n  - {{name: Calf, hold: {hold}, countdown: 0}}\n"


def routines(tmp_path):
    paths = []
    for name, hold in (("a", 4), ("b", 5), ("c", 6)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(GOOD.format(title=name.upper(), hold=hold))
        paths.append(path)
    return paths


def test_jobs_build_in_parallel_with_output_in_order_and_the_same_files(run, tmp_path):
    paths = routines(tmp_path)
    serial = run("build", *paths, "-o", tmp_path / "one", "--jobs", "1", "--format", "wav")
    parallel = run("build", *paths, "-o", tmp_path / "two", "--jobs", "3", "--format", "wav")
    assert serial.exit_code == parallel.exit_code == 0, parallel.output
    lines = [line.split(" (")[0] for line in parallel.stdout.splitlines()]
    assert lines == [f"Wrote {tmp_path / 'two' / name}.wav" for name in "abc"]
    for name in "abc":
        assert (tmp_path / "one" / f"{name}.wav").read_bytes() == (tmp_path / "two" / f"{name}.wav").read_bytes()
    assert parallel.stderr.count("Voice: piper, offline fake voice") == 3


def test_one_bad_routine_stops_only_itself_and_sets_the_exit_code(run, tmp_path):
    paths = routines(tmp_path)
    paths[1].write_text("title: B\nexercises:\n  - {name: Calf, hold: 30 secs}\n")
    for jobs in ("1", "3"):
        result = run("build", *paths, "-o", tmp_path / f"out{jobs}", "--jobs", jobs, "--format", "wav")
        assert result.exit_code == 1
        assert f"{paths[1]}:3:24: exercises[0].hold: '30 secs' is not a duration (try 30s)" in result.stderr
        assert sorted(p.name for p in (tmp_path / f"out{jobs}").iterdir()) == ["a.wav", "c.wav"]
        assert [line.split(" (")[0] for line in result.stdout.splitlines()] == [
            f"Wrote {tmp_path / f'out{jobs}' / 'a.wav'}", f"Wrote {tmp_path / f'out{jobs}' / 'c.wav'}"]


def test_build_names_chapters_only_for_an_mp3_which_holds_them(run, tmp_path):
    from mutagen.id3 import ID3

    path = tmp_path / "r.yaml"
    path.write_text("title: R\nexercises:\n  - {name: Calf, hold: 4, countdown: 0}\n"
                    "  - {name: Heel, hold: 4, countdown: 0}\n")
    wav = run("build", path, "-o", tmp_path / "r.wav")
    mp3 = run("build", path, "-o", tmp_path / "r.mp3")
    assert wav.exit_code == mp3.exit_code == 0, wav.output + mp3.output
    said = {name: result.stdout.split(f"r.{name} (")[1] for name, result in (("wav", wav), ("mp3", mp3))}
    assert "chapter" not in said["wav"]
    assert len(ID3(tmp_path / "r.mp3").getall("CHAP")) == 2
    assert said["mp3"].startswith(f"{said['wav'].split(' s, ')[0]} s, 2 chapters, ")
