"""The one exception type audiocoach raises for problems a user can fix."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable


class ExitCode(IntEnum):
    """What the CLI returns; only `cli.py` turns errors into these."""

    OK = 0
    ROUTINE = 1  # the routine (or an output path) is wrong
    USAGE = 2
    ENGINE = 3  # a voice engine cannot be used
    ADDRESS = 4  # `serve` cannot listen on the address and port asked for
    CLUSTER = 5  # the Dask cluster cannot be reached or cannot run audiocoach


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as precisely as we know it."""

    message: str
    fix: str = ""
    file: str | None = None
    line: int | None = None
    col: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        place = ""
        if self.file is not None:
            place = self.file
            if self.line is not None:
                place += f":{self.line}"
                if self.col is not None:
                    place += f":{self.col}"
            place += ": "
        field = f"{self.field}: " if self.field else ""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{place}{field}{self.message}{fix}"


class AudiocoachError(Exception):
    """Everything a user can act on: one or more problems and the exit code they mean."""

    def __init__(self, problems: list[Problem] | Problem, exit_code: ExitCode = ExitCode.ROUTINE):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.exit_code = exit_code
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # whole across processes (a synthesis worker's error reaches the build)
        return type(self), (self.problems, self.exit_code)

    @classmethod
    def engine(cls, message: str, fix: str, file: str | None = None) -> "AudiocoachError":
        """A voice engine that cannot be used (exit code 3); `file` when one of its files is at fault."""
        return cls(Problem(message, fix, file=file, field="voice"), ExitCode.ENGINE)


def suggest(word: str, options: Iterable[str], otherwise: str, quote: str = "`") -> str:
    """The fix for a misspelt name: the closest option, or `otherwise` when none is close."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"did you mean {quote}{close[0]}{quote}?" if close else otherwise
