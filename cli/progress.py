"""Progress of long commands: a bar with counts and time left on stderr (drawn on a terminal only; click hides it
elsewhere), and the closing line's duration."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A bar of `length` steps; yields the callback that advances it by a number of steps."""
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True,
                           show_eta=True, show_percent=True) as bar:
        yield bar.update


def duration(seconds: float) -> str:
    """A duration as people read it: '4.2 s', '2 min 13 s', '1 h 05 min'."""
    if round(seconds, 1) < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {second} s"
    hours, minute = divmod(minutes, 60)
    return f"{hours} h {minute:02d} min"
