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


# The script knows no voice and so no lengths: it cannot tell which lead-ins fit their gap.
LEAD_IN_NOTE = ("note: lead_in lines are said only where they fit before the start cue; "
                "`audiocoach plan` warns where one is dropped")


def script_rows(script: Script) -> list[str]:
    """The script as a table: exercise, role and words, a line each; with lead-in words, a last
    row says they are dropped where they do not fit, as only `plan` can tell."""
    lines = script.in_order()
    rows = [f"{exercise[:24]:<24}  {line.role:<11} {line.text}" for line, exercise in lines]
    if any(line.role == "lead_in" for line, _ in lines):
        rows.append(LEAD_IN_NOTE)
    return rows
