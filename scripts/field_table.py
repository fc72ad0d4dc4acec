"""Write the README's exercise field table from the field definitions (audiocoach/definitions.py).

Run it after changing a field; tests/test_schema.py fails while the README's table differs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audiocoach.definitions import field_table  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- exercise fields: written by scripts/field_table.py from audiocoach/definitions.py -->\n"
END = "<!-- end of exercise fields -->"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        sys.exit(f"{README}: put the lines\n{START}{END}\nwhere the table goes")
    updated = re.sub(re.escape(START) + r".*?" + re.escape(END),
                     lambda _: START + field_table() + END, text, flags=re.S)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
        print(f"updated the field table in {README}")


if __name__ == "__main__":
    main()
