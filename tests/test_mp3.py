"""The in-process MP3 encoder: audio where it was put, and an Info tag players read."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import decode
from mutagen.mp3 import MP3

from audiocoach.errors import AudiocoachError
from audiocoach.mp3 import ENCODER_DELAY, Mp3Writer, _crc16, frame_samples


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
    monkeypatch.setattr("audiocoach.mp3.RESAMPLED_BYTES", 1 << 20)  # more out than lameenc holds
    writer = Mp3Writer(io.BytesIO(), 1_000, 64, 7)
    with pytest.raises(AudiocoachError) as raised:
        writer.write(np.zeros(100_000, np.int16))
    assert "the MP3 encoder cannot encode 8000 Hz at 64 kbps" in str(raised.value)
    assert "WAV" in raised.value.problems[0].fix
