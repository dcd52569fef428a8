"""JSON from the outside world, parsed with a depth limit.

Python's parser recurses once per nesting level: a body of 100,000 "[" raises
RecursionError (a server error, and code further on may recurse again over what parsed).
No document this platform accepts is nested more than a few levels, so anything deeper
than MAX_DEPTH is refused as malformed before it reaches a model or the database.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class TooDeep(ValueError):
    def __init__(self, max_depth: int):
        super().__init__(f"nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def loads_bounded(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, raising TooDeep (a ValueError) past max_depth arrays and objects."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if depth_exceeds(data, max_depth):
        raise TooDeep(max_depth)
    return data


def depth_exceeds(data: Any, max_depth: int) -> bool:
    """Walks without recursion: its own stack of (container, level)."""
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if level > max_depth:
            return True
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False
