"""audiocoach: compile exercise routines into voice-guided, exactly timed audio tracks."""

__version__ = "0.1.0"
