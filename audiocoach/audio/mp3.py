"""MP3 encoding in this process: LAME's frames, and the Info tag that says where the track starts
and ends.

LAME puts 576 samples of its own before the audio and pads the end to whole frames. Players
(ffmpeg and so VLC and mpv, Android's, Apple's) leave both out when the file's first frame is an
Info tag with LAME's extension giving the two numbers; without it every word would be heard
late. lameenc gives the frames but not the tag, so `Mp3Writer` keeps the first frame's place
free and fills it in once the frames are written, laid out as LAME lays it out (VbrTag.c, and
http://gabriel.mp3-tech.org/mp3infotag.html).

LAME runs without holding the GIL, so a track is mixed on one core while it is encoded on
another, and nothing is copied through a pipe. A long track is also cut, in its silences, into
parts that several LAME encoders make at once (`write_in_parts`): a part of n samples comes out
as `frames_for(n)` whole frames, so where each part's audio lands in the joined stream is known
before any is encoded, and the silence between the parts decodes to silence.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

import lameenc
import numpy as np

from audiocoach.errors import AudiocoachError, Problem

ENCODER_DELAY = 576  # samples LAME puts before the audio; decoders add 529 more and take both off
END_PADDING = 1152  # samples LAME's flush encodes past the audio before it pads to a whole frame
SEAM = 2048  # silent samples kept on each side of a cut: the frames there hold nothing else
ENCODING_AHEAD = 2  # blocks handed to the encoder and not yet encoded
VBR_QUALITY = 4  # LAME's default, part of the quality number the tag records
ENCODER_NAME = b"LAME3.100"  # decoders trust the delay and padding only under LAME's name


RATES = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)  # MP3's
MIN_INPUT_RATE = 4_000
RESAMPLED_BYTES = 4096
Blocks = Callable[[int, int], Iterator[np.ndarray]]  # a part's int16 blocks, from (start, end)


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


def frames_for(samples: int, sample_rate_hz: int) -> int:
    """How many frames LAME makes of `samples` (its flush goes 1152 samples past the audio)."""
    return -(-(samples + END_PADDING) // frame_samples(sample_rate_hz))


def parts(length: int, silences: Sequence[tuple[int, int]], sample_rate_hz: int,
          every: int) -> list[tuple[int, int]]:
    """The track cut into parts of at least `every` samples (but the last) that encode apart:
    (start, end) each.

    A part ends inside a silence (start, end of `silences`, in order); the next one starts where
    the ended part's frames end, which must still be in that silence, `SEAM` samples from each
    edge, so that the frames around the cut hold nothing but silence. The samples between a
    part's end and the next one's start are silence that its last frames decode to anyway.
    """
    frame = frame_samples(sample_rate_hz)
    cuts: list[tuple[int, int]] = []
    start = 0
    for quiet_start, quiet_end in silences:
        end = max(quiet_start + SEAM, start + every)
        following = start + frames_for(end - start, sample_rate_hz) * frame
        if end >= quiet_end or following + SEAM > quiet_end or following >= length:
            continue
        cuts.append((start, end))
        start = following
    return cuts + [(start, length)]


class Mp3Writer:
    """Mono 16-bit PCM in, a CBR MP3 with LAME's Info tag out, written to `file` as it goes.

    `file` must be seekable: the tag goes into the first frame's place once the end is known.
    """

    def __init__(self, file: BinaryIO, sample_rate_hz: int, kbps: int, quality: int,
                 tagged: bool = True):
        self.file, self.kbps, self.quality = file, kbps, quality
        self.mp3_rate_hz = mp3_rate(sample_rate_hz)
        # LAME resamples by up to 4 times; a rate below its reach (only made-up voices have
        # one) is first raised by repeating each sample.
        self.repeat = -(-MIN_INPUT_RATE // sample_rate_hz)
        self.input_rate_hz = sample_rate_hz * self.repeat
        self.encoder = lameenc.Encoder()
        self.encoder.set_channels(1)
        self.encoder.set_in_sample_rate(self.input_rate_hz)
        self.encoder.set_out_sample_rate(self.mp3_rate_hz)  # else LAME picks a rate for the bitrate
        self.encoder.set_bit_rate(kbps)
        self.encoder.set_quality(quality)
        self.tag_bytes = int(frame_bytes(self.mp3_rate_hz, kbps))
        self.samples = 0
        self.audio_bytes = 0
        self.first_header = b""
        if tagged:
            file.write(bytes(self.tag_bytes))

    def write(self, samples: np.ndarray) -> None:
        """Encode the next int16 samples."""
        self.samples += samples.size
        if self.repeat > 1:
            samples = np.repeat(samples, self.repeat)
        data = np.ascontiguousarray(samples, "<i2").tobytes()
        # lameenc sizes its output for as many samples out as in: resampling up, feed it little
        step = (len(data) or 1) if self.input_rate_hz == self.mp3_rate_hz else RESAMPLED_BYTES
        for start in range(0, len(data), step):
            self._put(self._lame(self.encoder.encode, data[start:start + step]))

    @property
    def resamples(self) -> bool:
        return self.input_rate_hz != self.mp3_rate_hz

    @property
    def frames(self) -> int:
        """The audio frames written so far (a CBR frame's length varies by a padding byte)."""
        return round(self.audio_bytes / frame_bytes(self.mp3_rate_hz, self.kbps))

    def flush(self) -> None:
        """Encode what LAME still holds: the last frames. The encoder is done with then."""
        self._put(self._lame(self.encoder.flush))
        self.encoder = None  # LAME's state takes megabytes: a long track has hundreds of parts

    def close(self) -> None:
        """Encode what LAME still holds, then write the Info tag in the place kept for it."""
        self.flush()
        self.write_tag()

    def write_tag(self) -> None:
        self.file.seek(0)
        self.file.write(self.info_frame())
        self.file.seek(0, 2)

    def _lame(self, call, *args) -> bytes:
        try:
            return call(*args)
        except RuntimeError as error:  # LAME refuses its settings on the first call
            raise AudiocoachError(Problem(
                f"the MP3 encoder cannot encode {self.mp3_rate_hz} Hz at {self.kbps} kbps: {error}",
                "write a WAV instead (-o NAME.wav), or choose another voice")) from None

    def _put(self, data: bytes) -> None:
        if data:
            if not self.first_header:
                self.first_header = data[:4]
            self.audio_bytes += len(data)
            self.file.write(data)

    def info_frame(self) -> bytes:
        """The first frame: an MP3 frame of silence whose side information is an Info tag."""
        frames = self.frames
        total = self.tag_bytes + self.audio_bytes
        played = self.samples * self.repeat * self.mp3_rate_hz // self.input_rate_hz
        padding = max(0, frames * frame_samples(self.mp3_rate_hz) - ENCODER_DELAY - played)
        header = bytearray(self.first_header)
        header[2] &= ~0x02  # no padding byte: the tag frame is exactly tag_bytes long
        mpeg1 = (header[1] >> 3) & 0b11 == 0b11
        side_info = bytes(17 if mpeg1 else 9)  # mono
        toc = bytes(min(255, 256 * i // 100) for i in range(100))  # CBR: bytes grow with time
        xing = (b"Info" + struct.pack(">III", 0b1111, frames, total) + toc
                + struct.pack(">I", 100 - 10 * VBR_QUALITY - self.quality))
        rate_hz = self.mp3_rate_hz
        source = (0 if rate_hz <= 32_000 else 1 if rate_hz == 44_100
                  else 2 if rate_hz == 48_000 else 3)
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


def write_in_parts(file: BinaryIO, sample_rate_hz: int, kbps: int, quality: int,
                   spans: Sequence[tuple[int, int]], blocks: Blocks, threads: int,
                   spill: Path | None = None) -> None:
    """The MP3 of a track whose parts (`spans`, from `parts`) are each encoded from
    `blocks(start, end)`, joined in `file` under one Info tag.

    On one thread, the parts are mixed in turn on this one while a thread of its own encodes
    them. On more, each thread mixes and encodes a part at a time into an unnamed file in
    `spill` (a folder), appended to `file` as soon as the parts before it are.
    """
    length = spans[-1][1]
    head = Mp3Writer(file, sample_rate_hz, kbps, quality)
    if head.resamples:  # frames_for counts samples at the MP3's own rate
        spans = [(0, length)]
    if threads <= 1 or len(spans) == 1:
        def following() -> Mp3Writer:
            return Mp3Writer(file, sample_rate_hz, kbps, quality, tagged=False)

        writers = _encode_in_turn(head, following, spans, blocks)
        for previous, writer in zip(writers, writers[1:]):
            _check_frames(previous)
            head.audio_bytes += writer.audio_bytes
    else:
        def encode(span: tuple[int, int]) -> Mp3Writer:
            writer = Mp3Writer(tempfile.TemporaryFile(dir=spill), sample_rate_hz, kbps, quality,
                               tagged=False)
            try:
                _encode(writer, blocks(*span))
            except BaseException:
                writer.file.close()
                raise
            return writer

        encoding = ThreadPoolExecutor(min(threads, len(spans)))
        first = encoding.submit(_encode, head, blocks(*spans[0]))
        others = [encoding.submit(encode, span) for span in spans[1:]]
        try:
            first.result()
            previous = head
            for done in others:  # in order, each as soon as it is done
                writer = done.result()
                _check_frames(previous)
                writer.file.seek(0)
                shutil.copyfileobj(writer.file, file, 1 << 20)
                writer.file.close()
                head.audio_bytes += writer.audio_bytes
                previous = writer
        finally:
            for done in others:
                done.cancel()
            encoding.shutdown(wait=True)
            for done in others:  # after a failure: the parts done but not joined
                if not done.cancelled() and done.exception() is None:
                    done.result().file.close()
    head.samples = length  # with the silence between the parts, which their frames hold
    head.write_tag()


def _check_frames(writer: Mp3Writer) -> None:
    """A part ends where `frames_for` says, or the parts after it would be out of time."""
    expected = frames_for(writer.samples, writer.mp3_rate_hz)
    if writer.frames != expected:
        raise AudiocoachError(Problem(
            f"the MP3 encoder made {writer.frames} frames of {writer.samples} samples where {expected} "
            "were expected, so the track would not keep its timing",
            "write a WAV instead (-o NAME.wav), and report this with the version of lameenc"))


def _encode(writer: Mp3Writer, blocks: Iterator[np.ndarray]) -> None:
    for block in blocks:
        writer.write(block)
    writer.flush()


def _encode_in_turn(head: Mp3Writer, make: Callable[[], Mp3Writer],
                    spans: Sequence[tuple[int, int]], blocks: Blocks) -> list[Mp3Writer]:
    """Each part in turn, `head` first then one `make` makes as its turn comes: its blocks made
    here while a thread of its own encodes the last ones."""
    writers: list[Mp3Writer] = []
    with ThreadPoolExecutor(1) as encoding:
        pending: deque[Future] = deque()

        def hand_over(call: Callable, *args) -> None:
            pending.append(encoding.submit(call, *args))
            if len(pending) > ENCODING_AHEAD:  # wait: the mixing must not run ahead unbounded
                pending.popleft().result()

        for span in spans:
            writer = make() if writers else head
            writers.append(writer)
            for block in blocks(*span):
                hand_over(writer.write, block)
            hand_over(writer.flush)
        for done in pending:
            done.result()
    return writers


def decoded_blocks(path: Path, sample_rate_hz: int, block_samples: int) -> Iterator[np.ndarray]:
    """An MP3 as a player decodes it, `block_samples` at a time: mono float32 at `sample_rate_hz`
    (its own rate: `mp3_rate` of the track's).

    miniaudio's decoder (dr_mp3) leaves out LAME's delay and padding, as ffmpeg does, and gives
    the same samples as ffmpeg's to a part in 10^4; in this process it takes a quarter of the
    time that ffmpeg's threads and pipe do.
    """
    import miniaudio

    try:
        for chunk in miniaudio.stream_file(str(path), output_format=miniaudio.SampleFormat.FLOAT32,
                                           nchannels=1, sample_rate=sample_rate_hz,
                                           frames_to_read=block_samples):
            yield np.frombuffer(chunk, dtype=np.float32)
    except miniaudio.MiniaudioError as error:
        raise AudiocoachError(Problem(
            f"the MP3 just written cannot be read back to measure it: {error}",
            "write a WAV instead (-o NAME.wav)", str(path))) from None


def _crc16(data: bytes) -> int:
    """CRC-16/ARC, as LAME checks its tag with."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
