"""Data shipped with audiocoach: the bundled routines."""
