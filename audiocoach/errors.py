"""The one exception type audiocoach raises for problems a user can fix."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from typing import Iterable


class Kind(Enum):
    """What sort of thing is wrong; `cli.py` gives each kind its exit code."""

    ROUTINE = "routine"  # the routine, a file it names, or an output path
    USAGE = "usage"  # an option or argument the caller gave
    ENGINE = "engine"  # a voice engine cannot be used
    ADDRESS = "address"  # `serve` cannot listen on the address and port asked for
    CLUSTER = "cluster"  # the Dask cluster cannot be reached or cannot run audiocoach


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
    """Everything a user can act on: one or more problems, and their kind."""

    def __init__(self, problems: list[Problem] | Problem, kind: Kind = Kind.ROUTINE):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.kind = kind
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # whole across processes (a synthesis worker's error reaches the build)
        return type(self), (self.problems, self.kind)

    def lines(self) -> list[str]:
        """The problems as a person reads them: placed at their file, or said to be an error."""
        return [str(p) if p.file else f"error: {p}" for p in self.problems]

    @classmethod
    def usage(cls, message: str, fix: str = "", field: str | None = None) -> "AudiocoachError":
        """An option or argument the caller gave that cannot be used."""
        return cls(Problem(message, fix, field=field), Kind.USAGE)

    @classmethod
    def engine(cls, message: str, fix: str, file: str | None = None) -> "AudiocoachError":
        """A voice engine that cannot be used; `file` when one of its files is at fault."""
        return cls(Problem(message, fix, file=file, field="voice"), Kind.ENGINE)


def suggest(word: str, options: Iterable[str], otherwise: str, quote: str = "`") -> str:
    """The fix for a misspelt name: the closest option, or `otherwise` when none is close."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"did you mean {quote}{close[0]}{quote}?" if close else otherwise
