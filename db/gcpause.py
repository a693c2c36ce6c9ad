"""Python's cyclic garbage collector paused while thousands of small objects are built at once.

Reading the facts of 10,000 items (or writing their progress table) leaves tens of thousands of new
objects alive, and each time enough have piled up the collector scans the whole heap: every module,
class and function the bot has loaded, some 200,000 objects, about 0.15 s a pass on a small server,
two or three passes a digest. The objects built there form no reference cycles (rows, tuples,
frozensets, dataclasses), so reference counting frees them all the same; the collector resumes
afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for a block (or, as a decorator, a function call)."""
    if not gc.isenabled():  # already paused: by an outer block, another thread, or on purpose
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
