"""audiocoach: compile exercise routines into voice-guided, exactly timed audio tracks.

The Python API is `load`, `plan`, `build`, `build_many` and `Track` (see `audiocoach.api`);
every problem a user can fix raises `AudiocoachError`.
"""

from audiocoach.api import Track, build, build_many, load, plan
from audiocoach.errors import AudiocoachError
from audiocoach.routine.model import Routine

__version__ = "0.1.0"
__all__ = ["AudiocoachError", "Routine", "Track", "build", "build_many", "load", "plan"]
