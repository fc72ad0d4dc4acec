"""Every line the coach will say, without any voice: `audiocoach script` as a table or JSON."""

from __future__ import annotations

from audiocoach.routine.model import Routine
from audiocoach.speech.script import Script


def script_json(script: Script, routine: Routine, language: str | None = None) -> dict:
    """The `script --json` document: the title, the language, each line with its role and
    exercise, and the warnings."""
    return {"title": script.title, "language": language or routine.voice.language,
            "lines": [{"role": line.role, "exercise": exercise, "text": line.text}
                      for line, exercise in script.in_order()],
            "warnings": script.warnings}


def script_rows(script: Script) -> list[str]:
    """The script as a table: exercise, role and words, a line each."""
    return [f"{exercise[:24]:<24}  {line.role:<11} {line.text}" for line, exercise in script.in_order()]
