"""Resource limits for one submission, with defaults that suit this assignment."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    """What one notebook of a submission may use while it is graded.

    The defaults leave a correct solution a wide margin: the answer key needs
    about 1 s per call and 400 MiB, so a limit is only hit by code that loops,
    leaks or floods.
    """

    submission_seconds: float = 240.0
    cell_seconds: float = 60.0
    call_seconds: float = 60.0
    memory_bytes: int = 2 * GIB
    processes: int = 64
    output_bytes: int = 64 * MIB
    file_bytes: int = 64 * MIB
    files: int = 2000

    def describe(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, **overrides: Any) -> Limits:
        """Returns a copy with the given limits changed, refusing unknown names."""
        known = {field.name for field in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(
                f"unknown limit {', '.join(unknown)}; expected one of {sorted(known)}"
            )
        values = {
            **asdict(self),
            **{k: v for k, v in overrides.items() if v is not None},
        }
        return Limits(**values)


def parse_size(text: str) -> int:
    """Returns bytes for sizes such as "512M", "2G" or "1048576"."""
    units = {"K": 1024, "M": MIB, "G": GIB}
    cleaned = text.strip().upper().removesuffix("IB").removesuffix("B")
    try:
        if cleaned and cleaned[-1] in units:
            return int(float(cleaned[:-1]) * units[cleaned[-1]])
        return int(cleaned)
    except ValueError:
        raise ValueError(
            f"cannot read the size {text!r}; expected a number of bytes or a "
            "number with K, M or G, such as 512M or 2G"
        ) from None
