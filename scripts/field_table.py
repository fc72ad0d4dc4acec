"""Write the exercise field table of the README and of docs/routine-format.md from the field
definitions (audiocoach/routine/definitions.py).

Run it after changing a field; tests/test_schema.py fails while either table differs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiocoach.routine.definitions import field_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "routine-format.md")
START = "<!-- exercise fields: written by scripts/field_table.py from audiocoach/routine/definitions.py -->\n"
END = "<!-- end of exercise fields -->"


def main() -> None:
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        if START not in text or END not in text:
            sys.exit(f"{document}: put the lines\n{START}{END}\nwhere the table goes")
        updated = re.sub(re.escape(START) + r".*?" + re.escape(END),
                         lambda _: START + field_table() + END, text, flags=re.S)
        if updated != text:
            document.write_text(updated, encoding="utf-8")
            print(f"updated the field table in {document}")


if __name__ == "__main__":
    main()
