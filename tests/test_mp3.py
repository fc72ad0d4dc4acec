"""The in-process MP3 encoder: audio where it was put, and an Info tag players read."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import decode
from mutagen.mp3 import MP3

from audiocoach.audio.mp3 import (
    ENCODER_DELAY,
    SEAM,
    Mp3Writer,
    _crc16,
    frame_samples,
    frames_for,
    parts,
    write_in_parts,
)
from audiocoach.errors import AudiocoachError


def _speech_like(rate: int, seconds: float, seed: int = 1) -> np.ndarray:
    """Bursts of band-limited noise with silence between, like words."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    width = max(4, rate // 5_000)  # content below about 5 kHz, like a voice
    noise = np.convolve(rng.standard_normal(t.size), np.ones(width) / width, mode="same")
    return (noise * (np.sin(2 * np.pi * 1.3 * t) > 0.2) * 6000).astype(np.int16)


def _encode(pcm: np.ndarray, rate: int, path, block: int = 10_000) -> None:
    with open(path, "wb") as file:
        writer = Mp3Writer(file, rate, 64, 7)
        for start in range(0, pcm.size, block):
            writer.write(pcm[start:start + block])
        writer.close()


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100])
def test_every_sample_decodes_where_it_was_put(tmp_path, rate):
    pcm = _speech_like(rate, 3.0)
    pcm[rate] = 30_000  # a click one second in
    _encode(pcm, rate, tmp_path / "t.mp3")
    decoded = decode(tmp_path / "t.mp3", rate)
    original = pcm.astype(np.float32) / 32768
    assert decoded.size >= pcm.size  # encodable_length trims the last frame's spare samples
    decoded = decoded[:pcm.size]
    lags = np.arange(-40, 41)
    correlation = [np.dot(original[100:-100], np.roll(decoded, -lag)[100:-100]) for lag in lags]
    assert lags[int(np.argmax(correlation))] == 0  # not a sample early or late
    speech = np.abs(original) > 0
    snr = 10 * np.log10(np.sum(original[speech] ** 2) / np.sum((original - decoded)[speech] ** 2))
    assert snr > 12, snr


def test_the_info_tag_tells_players_the_length_delay_and_padding(tmp_path):
    from mutagen.mp3 import BitrateMode
    from mutagen.mp3._util import XingHeader

    rate, length = 22_050, 22_050 * 5 + 123
    _encode(_speech_like(rate, length / rate), rate, tmp_path / "t.mp3")
    info = MP3(tmp_path / "t.mp3").info
    assert (info.sample_rate, info.bitrate, info.channels) == (rate, 64_000, 1)
    assert info.bitrate_mode == BitrateMode.CBR and info.encoder_info.startswith("LAME 3.100")
    assert info.length == pytest.approx(length / rate, abs=1e-9)  # frames less delay and padding
    data = (tmp_path / "t.mp3").read_bytes()
    xing = XingHeader(io.BytesIO(data[4 + 9:]))  # after an MPEG-2 mono frame's header and side info
    lame = xing.lame_header
    assert lame.encoder_delay_start == ENCODER_DELAY
    assert xing.frames * frame_samples(rate) - ENCODER_DELAY - lame.encoder_padding_end == length
    assert xing.bytes == lame.music_length == len(data)
    assert (lame.vbr_method, lame.bitrate, lame.quality) == (1, 64, 7)  # CBR at LAME's q7


def test_the_tag_carries_lames_crc_of_itself():
    assert _crc16(b"123456789") == 0xBB3D  # CRC-16/ARC's check value
    file = io.BytesIO()
    writer = Mp3Writer(file, 22_050, 64, 7)
    writer.write(_speech_like(22_050, 1.0))
    writer.close()
    frame = file.getvalue()[:writer.tag_bytes]
    end = frame.index(b"LAME") + 34  # the tag's CRC follows 34 bytes of LAME's extension
    assert int.from_bytes(frame[end:end + 2], "big") == _crc16(frame[:end])


def test_a_rate_mp3_does_not_have_is_resampled_and_keeps_its_length(tmp_path):
    rate = 1_000  # the test voices' rate: raised to 4 kHz, then LAME makes 8 kHz of it
    pcm = _speech_like(rate, 4.0)
    _encode(pcm, rate, tmp_path / "t.mp3")
    info = MP3(tmp_path / "t.mp3").info
    assert info.sample_rate == 8_000
    assert info.length == pytest.approx(4.0, abs=0.01)


def test_lames_failure_is_the_projects_error_with_a_fix(monkeypatch):
    monkeypatch.setattr("audiocoach.audio.mp3.RESAMPLED_BYTES", 1 << 20)  # more out than lameenc holds
    writer = Mp3Writer(io.BytesIO(), 1_000, 64, 7)
    with pytest.raises(AudiocoachError) as raised:
        writer.write(np.zeros(100_000, np.int16))
    assert "the MP3 encoder cannot encode 8000 Hz at 64 kbps" in str(raised.value)
    assert "WAV" in raised.value.problems[0].fix


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100, 48_000])
def test_lame_makes_as_many_frames_of_a_part_as_frames_for_says(rate):
    frame = frame_samples(rate)
    for samples in (1, frame - 1, frame, frame + 1, 3 * frame + 100, 2 * rate + 7,
                    2 * rate + frame // 2):
        file = io.BytesIO()
        writer = Mp3Writer(file, rate, 64, 7, tagged=False)
        pcm = _speech_like(rate, samples / rate + 0.01)[:samples]
        for start in range(0, samples, 5_000):  # in blocks, as the track comes
            writer.write(pcm[start:start + 5_000])
        writer.flush()
        assert len(file.getvalue()) == writer.audio_bytes
        assert _frames(file.getvalue(), rate) == frames_for(samples, rate)


def _frames(data: bytes, rate: int, kbps: int = 64) -> int:
    """The frames of a CBR stream, counted header by header."""
    count = position = 0
    while position < len(data):
        assert data[position] == 0xFF and data[position + 1] & 0xE0 == 0xE0  # a frame's sync
        padding = (data[position + 2] >> 1) & 1
        position += frame_samples(rate) // 8 * kbps * 1000 // rate + padding
        count += 1
    assert position == len(data)
    return count


def test_parts_are_cut_only_deep_in_silences_and_last_at_least_as_long_as_asked():
    rate, frame = 22_050, 576
    silences = [(0, 500), (30_000, 31_000), (50_000, 62_000), (70_000, 70_100),
                (90_000, 99_000), (140_000, 144_000)]
    spans = parts(150_000, silences, rate, every=20_000)
    # too short for a cut with a seam on each side: all but (50_000, 62_000) and (90_000, 99_000)
    assert spans == [(0, 52_048), (spans[1][0], 92_048), (spans[2][0], 150_000)]
    for (start, end), (following, _) in zip(spans, spans[1:]):
        assert following == start + frames_for(end - start, rate) * frame  # where its frames end
        quiet = next((a, b) for a, b in silences if a <= end < b)
        assert quiet[0] + SEAM <= end and following + SEAM <= quiet[1]
        assert end - start >= 20_000
    assert parts(150_000, [], rate, every=20_000) == [(0, 150_000)]  # music: one part


@pytest.mark.parametrize("rate", [22_050, 44_100])
def test_a_track_in_parts_decodes_to_every_sample_in_place_on_any_number_of_threads(tmp_path, rate):
    seconds, burst = 12, rate // 2
    pcm = np.zeros(seconds * rate, np.int16)
    speech = _speech_like(rate, seconds)
    silences, margin = [], rate // 10  # clear of the sound, as the mixer gives them
    for second in range(seconds):  # half a second of sound each second, then silence
        pcm[second * rate:second * rate + burst] = speech[second * rate:second * rate + burst]
        silences.append((second * rate + burst + margin, (second + 1) * rate - margin))
    pcm[3 * rate + 1000] = 30_000  # a click in the second part
    spans = parts(pcm.size, silences, rate, every=2 * rate)
    assert len(spans) >= 4

    def blocks(start, end):
        for first in range(start, end, 3_000):
            yield pcm[first:min(first + 3_000, end)]

    made = {}
    for threads in (1, 3):
        with open(tmp_path / f"{threads}.mp3", "wb") as file:
            write_in_parts(file, rate, 64, 7, spans, blocks, threads, tmp_path)
        made[threads] = (tmp_path / f"{threads}.mp3").read_bytes()
    assert made[1] == made[3]
    assert MP3(tmp_path / "3.mp3").info.length == pytest.approx(pcm.size / rate, abs=1e-9)
    decoded = decode(tmp_path / "3.mp3", rate)
    assert decoded.size == pcm.size
    original = pcm.astype(np.float32) / 32768
    for (_, end), (following, _) in zip(spans, spans[1:]):  # the seams decode to silence
        assert np.all(decoded[end - SEAM:following + SEAM] == 0)
    for start, end in spans:  # and each part's sound is where it was put, not a sample off
        part = slice(start + 100, end - 100)
        if not original[part].any():
            continue
        lags = np.arange(-20, 21)
        correlation = [np.dot(original[part], np.roll(decoded, -lag)[part]) for lag in lags]
        assert lags[int(np.argmax(correlation))] == 0
    loud = np.abs(original) > 0
    snr = 10 * np.log10(np.sum(original[loud] ** 2) / np.sum((original - decoded)[loud] ** 2))
    assert snr > 12, snr


def test_a_part_lame_made_otherwise_stops_the_build_rather_than_mistime_it(tmp_path, monkeypatch):
    rate = 22_050
    spans = [(0, rate), (rate + 1_728, 2 * rate)]
    monkeypatch.setattr("audiocoach.audio.mp3.frames_for", lambda samples, rate: 1)
    with pytest.raises(AudiocoachError) as raised, open(tmp_path / "t.mp3", "wb") as file:
        write_in_parts(file, rate, 64, 7, spans,
                       lambda start, end: iter([np.zeros(end - start, np.int16)]), 2)
    assert "would not keep its timing" in str(raised.value)
    assert "WAV" in raised.value.problems[0].fix


@pytest.mark.parametrize("threads", [1, 2])
def test_a_long_tracks_parts_do_not_each_keep_an_encoder(tmp_path, monkeypatch, threads):
    made: list[Mp3Writer] = []
    most_alive = []
    original = Mp3Writer.__init__

    def counting(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)
        most_alive.append(sum(writer.encoder is not None for writer in made))

    monkeypatch.setattr(Mp3Writer, "__init__", counting)
    rate, frame = 16_000, 576
    spans, start = [], 0
    for _ in range(12):  # a part of a second, then the next where its frames end
        spans.append((start, start + rate))
        start += frames_for(rate, rate) * frame
    spans[-1] = (spans[-1][0], spans[-1][1] + 3 * SEAM)
    with open(tmp_path / "t.mp3", "wb") as file:
        write_in_parts(file, rate, 64, 7, spans, lambda a, b: iter([np.zeros(b - a, np.int16)]),
                       threads, tmp_path)
    assert len(made) == 12
    assert max(most_alive) <= threads + 1, most_alive  # LAME's megabytes let go as each part is done


@pytest.mark.parametrize("rate", [16_000, 22_050, 44_100])
def test_the_mp3_is_measured_as_ffmpeg_decodes_it(tmp_path, rate):
    from audiocoach.audio.mp3 import decoded_blocks

    pcm = _speech_like(rate, 7.0)
    _encode(pcm, rate, tmp_path / "t.mp3")
    by_ffmpeg = decode(tmp_path / "t.mp3", rate)
    blocks = list(decoded_blocks(tmp_path / "t.mp3", rate, rate))
    assert [block.size for block in blocks[:-1]] == [rate] * (len(blocks) - 1)
    measured = np.concatenate(blocks)
    assert measured.size == by_ffmpeg.size  # LAME's delay and padding left out alike
    assert np.max(np.abs(measured - by_ffmpeg)) < 1e-3  # ffmpeg's figures are 16-bit here


def test_an_mp3_that_cannot_be_decoded_is_a_clear_error(tmp_path):
    from audiocoach.audio.mp3 import decoded_blocks

    (tmp_path / "t.mp3").write_bytes(b"not an mp3 at all")
    with pytest.raises(AudiocoachError, match="cannot be read back to measure it"):
        list(decoded_blocks(tmp_path / "t.mp3", 22_050, 22_050))
