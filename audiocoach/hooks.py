"""Pause points where tests interrupt a build at a chosen stage; inert in normal use.

With `AUDIOCOACH_PAUSE_AT=<stage>` in the environment, the build announces the stage on stderr
and waits there, so a test can kill it at exactly that point. Stages: `synthesis` (after the
first new clip is cached), `mixing` (while measuring loudness), `encoding` (halfway through
the encoder's input), `tagging` (before the tags), `renaming` (before the file is put in place).
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "AUDIOCOACH_PAUSE_AT"


def pause_at(stage: str) -> None:
    if os.environ.get(VARIABLE) == stage:
        print(f"paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(600)
