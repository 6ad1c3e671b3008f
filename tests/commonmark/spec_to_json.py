"""CommonMark spec.txt → spec.json, examples extracted as the spec's test/spec_tests.py does.

python tests/commonmark/spec_to_json.py spec.txt tests/commonmark/spec-0.31.2.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FENCE = "`" * 32


def examples(text: str) -> list[dict[str, object]]:
    result: list[dict[str, object]] = []
    section, state, start = "", 0, 0
    markdown: list[str] = []
    html: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        if state == 0 and line.startswith(FENCE + " example"):
            state, markdown, html, start = 1, [], [], number
        elif state == 1 and line == ".":
            state = 2
        elif state == 2 and line == FENCE:
            result.append(
                {
                    "markdown": "".join(markdown).replace("→", "\t"),
                    "html": "".join(html).replace("→", "\t"),
                    "example": len(result) + 1,
                    "start_line": start,
                    "end_line": number,
                    "section": section,
                }
            )
            state = 0
        elif state in (1, 2):
            (markdown if state == 1 else html).append(line + "\n")
        elif re.match(r"#+ ", line):
            section = re.sub(r"#+ ", "", line, count=1).strip()
    return result


if __name__ == "__main__":
    found = examples(Path(sys.argv[1]).read_text(encoding="utf-8"))
    Path(sys.argv[2]).write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    print(len(found))
