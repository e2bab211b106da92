"""The README's layout table names exactly what `ls app/` shows, one line each."""

from __future__ import annotations

import re

from tests.servers import ROOT

TABLE_HEADER = "| `app/` | what lives there |"


def layout_table() -> dict[str, str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(TABLE_HEADER) + 2  # past the header and its |---| line
    rows: dict[str, str] = {}
    for line in lines[start:]:
        match = re.fullmatch(r"\| `([^`]+)` \| (.+) \|", line)
        if not match:
            break
        rows[match.group(1)] = match.group(2)
    return rows


def test_layout_table_matches_the_app_package():
    on_disk = {
        f"{path.name}/" if path.is_dir() else path.name
        for path in (ROOT / "app").iterdir()
        if path.name != "__pycache__" and not path.name.startswith(".")
    }

    table = layout_table()

    assert set(table) == on_disk
    assert all(explanation.strip() for explanation in table.values())
