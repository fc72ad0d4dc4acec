"""MP3 encoding in this process: LAME's frames, and the Info tag that says where the track starts
and ends.

LAME puts 576 samples of its own before the audio and pads the end to whole frames. Players
(ffmpeg and so VLC and mpv, Android's, Apple's) leave both out when the file's first frame is an
Info tag with LAME's extension giving the two numbers; without it every word would be heard
late. lameenc gives the frames but not the tag, so `Mp3Writer` keeps the first frame's place
free and fills it in once the frames are written, laid out as LAME lays it out (VbrTag.c, and
http://gabriel.mp3-tech.org/mp3infotag.html).

LAME runs on this thread without holding the GIL, so a track is mixed on one core while it is
encoded on another, and nothing is copied through a pipe.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from typing import BinaryIO

import lameenc
import numpy as np

from .errors import AudiocoachError, Problem

ENCODER_DELAY = 576  # samples LAME puts before the audio; decoders add 529 more and take both off
VBR_QUALITY = 4  # LAME's default, part of the quality number the tag records
ENCODER_NAME = b"LAME3.100"  # decoders trust the delay and padding only under LAME's name


RATES = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)  # MP3's
MIN_INPUT_RATE = 4_000
RESAMPLED_BYTES = 4096


def mp3_rate(sample_rate_hz: int) -> int:
    """The rate of the MP3: the track's own when MP3 has it, else the nearest above (or 48 kHz),
    to which LAME resamples."""
    return next((rate for rate in RATES if rate >= sample_rate_hz), RATES[-1])


def frame_samples(sample_rate_hz: int) -> int:
    """Samples per MP3 (layer III) frame: 1152 for MPEG-1 rates, 576 for MPEG-2 and 2.5 rates."""
    return 1152 if sample_rate_hz >= 32_000 else 576


def frame_bytes(sample_rate_hz: int, kbps: int) -> Fraction:
    """The mean length of a frame in bytes: a CBR stream pads some frames by a byte to keep it."""
    return Fraction(frame_samples(sample_rate_hz) // 8 * kbps * 1000, sample_rate_hz)


class Mp3Writer:
    """Mono 16-bit PCM in, a CBR MP3 with LAME's Info tag out, written to `file` as it goes.

    `file` must be seekable: the tag goes into the first frame's place once the end is known.
    """

    def __init__(self, file: BinaryIO, sample_rate_hz: int, kbps: int, quality: int):
        self.file, self.kbps, self.quality = file, kbps, quality
        self.rate = mp3_rate(sample_rate_hz)
        # LAME resamples by up to 4 times; a rate below its reach (only made-up voices have
        # one) is first raised by repeating each sample.
        self.repeat = -(-MIN_INPUT_RATE // sample_rate_hz)
        self.in_rate = sample_rate_hz * self.repeat
        self.encoder = lameenc.Encoder()
        self.encoder.set_channels(1)
        self.encoder.set_in_sample_rate(self.in_rate)
        self.encoder.set_out_sample_rate(self.rate)  # else LAME picks a rate for the bitrate
        self.encoder.set_bit_rate(kbps)
        self.encoder.set_quality(quality)
        self.tag_bytes = int(frame_bytes(self.rate, kbps))
        self.samples = 0
        self.audio_bytes = 0
        self.first_header = b""
        file.write(bytes(self.tag_bytes))

    def write(self, samples: np.ndarray) -> None:
        """Encode the next int16 samples."""
        self.samples += samples.size
        if self.repeat > 1:
            samples = np.repeat(samples, self.repeat)
        data = np.ascontiguousarray(samples, "<i2").tobytes()
        # lameenc sizes its output for as many samples out as in: resampling up, feed it little
        step = (len(data) or 1) if self.in_rate == self.rate else RESAMPLED_BYTES
        for start in range(0, len(data), step):
            self._put(self._lame(self.encoder.encode, data[start:start + step]))

    def close(self) -> None:
        """Encode what LAME still holds, then write the Info tag in the place kept for it."""
        self._put(self._lame(self.encoder.flush))
        self.file.seek(0)
        self.file.write(self.info_frame())
        self.file.seek(0, 2)

    def _lame(self, call, *args) -> bytes:
        try:
            return call(*args)
        except RuntimeError as error:  # LAME refuses its settings on the first call
            raise AudiocoachError(Problem(
                f"the MP3 encoder cannot encode {self.rate} Hz at {self.kbps} kbps: {error}",
                "write a WAV instead (-o NAME.wav), or choose another voice")) from None

    def _put(self, data: bytes) -> None:
        if data:
            if not self.first_header:
                self.first_header = data[:4]
            self.audio_bytes += len(data)
            self.file.write(data)

    def info_frame(self) -> bytes:
        """The first frame: an MP3 frame of silence whose side information is an Info tag."""
        frames = round(self.audio_bytes / frame_bytes(self.rate, self.kbps))
        total = self.tag_bytes + self.audio_bytes
        played = self.samples * self.repeat * self.rate // self.in_rate
        padding = max(0, frames * frame_samples(self.rate) - ENCODER_DELAY - played)
        header = bytearray(self.first_header)
        header[2] &= ~0x02  # no padding byte: the tag frame is exactly tag_bytes long
        mpeg1 = (header[1] >> 3) & 0b11 == 0b11
        side_info = bytes(17 if mpeg1 else 9)  # mono
        toc = bytes(min(255, 256 * i // 100) for i in range(100))  # CBR: bytes grow with time
        xing = (b"Info" + struct.pack(">III", 0b1111, frames, total) + toc
                + struct.pack(">I", 100 - 10 * VBR_QUALITY - self.quality))
        source = 0 if self.rate <= 32_000 else 1 if self.rate == 44_100 else 2 if self.rate == 48_000 else 3
        lame = (ENCODER_NAME
                + bytes([0x01, 0])  # tag revision 0, CBR; lowpass unknown
                + bytes(8)  # no peak or ReplayGain: the track is already mastered
                + bytes([0, min(self.kbps, 255)])  # no flags or ATH type; the bitrate
                + (ENCODER_DELAY << 12 | padding).to_bytes(3, "big")
                + bytes([source << 6, 0]) + bytes(2)  # mono; no MP3Gain, preset or surround
                + struct.pack(">IH", total, 0))  # music length; music CRC left 0, unread
        before_crc = bytes(header) + side_info + xing + lame
        frame = before_crc + struct.pack(">H", _crc16(before_crc))
        return frame + bytes(self.tag_bytes - len(frame))


def _crc16(data: bytes) -> int:
    """CRC-16/ARC, as LAME checks its tag with."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
