"""Import sqlite-utils without pandas.

`sqlite_utils.db` imports pandas at module level when it is installed, only to accept pandas
values in inserts, which polyjudge never does; that costs ~0.5 s and ~100 MB on every start
(measured with `python -X importtime -c "import polyjudge.store"`). While sqlite-utils is first
imported, a `None` entry in `sys.modules` makes `import pandas` raise ImportError; the entry is
removed afterwards so that anyone else can still import pandas normally.
"""

from __future__ import annotations

import sys

_blocked = "pandas" not in sys.modules
if _blocked:
    sys.modules["pandas"] = None  # type: ignore[assignment]
try:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations
finally:
    if _blocked:
        del sys.modules["pandas"]

__all__ = ["Database", "Migrations"]
