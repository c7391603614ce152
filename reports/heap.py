"""Writing reports with the audit's objects set aside from the garbage collector.

A national audit holds millions of objects (results, evidence rows and their values) that live until the
reports are written. Each full collection the writers trigger would walk all of them again; frozen, the
collector only looks at what the writers themselves create. They are handed back when the writing is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def audit_objects_frozen() -> Iterator[None]:
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
