"""Where a benchmark leaves its figures: ``results-<name>.md`` (its table, printed too) and
``results-<name>.json`` (its rows) under the ``--out`` folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(out: Path, name: str, table: str, rows: Any) -> None:
    print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results-{name}.md").write_text(table + "\n", "utf-8")
    (out / f"results-{name}.json").write_text(json.dumps(rows, indent=2), "utf-8")
