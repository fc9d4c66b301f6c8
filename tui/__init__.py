"""The Textual screens (`polyjudge annotate`, `adjudicate`, `dashboard`, `serve`'s sessions).

Textual draws at most `TEXTUAL_FPS` frames a second (default 60), and a key's change waits for
the next frame: up to 17 ms at 60, 8 ms at 120. Labelling is one key per item, so that wait is
a large part of the time to the next item; 120 took the next item's 95th percentile from
28-36 ms to 23-27 ms (bench/tui_bench.py --reader, 1M responses) at the same CPU per label, as
frames are drawn only when something changed. A value the user set is kept. Set here, before
any module of this package imports Textual (textual.constants reads it once).
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
