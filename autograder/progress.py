"""Progress of a grading run for the instructor's terminal.

On a terminal it is one line redrawn in place: a bar, done of total, the rate
and the time left. When the output goes to a file or a CI log, it prints one
plain line per graded submission instead, which reads well in both.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.interactive = self.stream.isatty()

    def advance(self, label: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        figures = (
            f"{self.done}/{self.total}  {rate:.2f} submissions/s  "
            f"{_duration(left)} left"
        )
        if self.interactive:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r[{bar}] {figures}  {label[:24]:<24}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"graded {label} ({figures})\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
