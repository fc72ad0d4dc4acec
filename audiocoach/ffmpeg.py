"""The ffmpeg binary that imageio-ffmpeg ships, so no system install is needed."""

from __future__ import annotations


def executable() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()
