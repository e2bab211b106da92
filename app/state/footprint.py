"""The approximate memory a cache's entries take in this process.

`sys.getsizeof` of an entry and everything it holds (fields, items, keys), each object once.
Bounded so a stats call stays cheap whatever the cache holds: at most SAMPLE entries are
measured (the rest are assumed alike) and at most MAX_OBJECTS objects per entry are walked.
Shared objects (interned strings, small ints) count in every entry that holds them, and
allocator overhead is not seen: the figure is an estimate of the right order, not an audit.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable
from itertools import islice

SAMPLE = 50
MAX_OBJECTS = 5000

_ATOMS = (str, bytes, bytearray, int, float, complex, bool, type(None))


def approximate_bytes(entries: Iterable[object], count: int, *, sample: int = SAMPLE) -> tuple[int, int]:
    """Return (the estimated bytes of all `count` entries, how many entries were measured)."""
    measured = [deep_size(entry) for entry in islice(entries, sample)]
    if not measured:
        return 0, 0
    return round(sum(measured) * count / len(measured)), len(measured)


def deep_size(root: object, *, max_objects: int = MAX_OBJECTS) -> int:
    """Return the bytes of `root` and of the objects it holds, walking at most `max_objects`."""
    seen: set[int] = set()
    pending = [root]
    total = 0
    while pending and len(seen) < max_objects:
        obj = pending.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        pending.extend(_held(obj))
    return total


def _held(obj: object) -> Iterable[object]:
    if isinstance(obj, _ATOMS):
        return ()
    if isinstance(obj, dict):
        return [*obj.keys(), *obj.values()]
    if isinstance(obj, list | tuple | set | frozenset):
        return list(obj)
    if dataclasses.is_dataclass(obj):
        return [getattr(obj, field.name) for field in dataclasses.fields(obj)]
    # Plain objects and pydantic models keep their fields in __dict__ (its size counts too).
    return [vars(obj)] if hasattr(obj, "__dict__") else ()
