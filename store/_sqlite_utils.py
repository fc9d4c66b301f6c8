"""Import sqlite-utils without pandas or numpy.

`sqlite_utils.db` imports pandas and numpy at module level when they are installed, only to
map their types to column types when its insert API creates tables, which polyjudge never uses
(the store runs its own SQL; only `Database` and `Migrations` are used). Pandas costs ~0.5 s and
~100 MB on every start, numpy ~0.1 s on `annotate`'s start, which needs no numpy (measured with
`python -X importtime -c "import polyjudge.store"`). While sqlite-utils is first imported, a
`None` entry in `sys.modules` makes `import pandas` (`numpy`) raise ImportError; the entries are
removed afterwards so that anyone else can still import them normally.
"""

from __future__ import annotations

import sys

_blocked = [name for name in ("pandas", "numpy") if name not in sys.modules]
for _name in _blocked:
    sys.modules[_name] = None  # type: ignore[assignment]
try:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations
finally:
    for _name in _blocked:
        del sys.modules[_name]

__all__ = ["Database", "Migrations"]
