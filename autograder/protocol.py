"""Messages between the grader and a student's process, over a socket.

A message is a JSON header followed by binary blobs (NumPy `.npy` bytes):

    8 bytes   header length, big-endian
    N bytes   JSON header, which lists the size of every blob in `blob_sizes`
    ...       the blobs, back to back

The reading side enforces a size limit and a deadline, because the other end
may be student code that sends garbage, sends forever, or never answers.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from typing import Any

HEADER = struct.Struct(">Q")
MAX_HEADER_BYTES = 8 * 1024 * 1024


class ProtocolError(Exception):
    """The other end sent something that is not a well-formed message."""


class Timeout(Exception):
    """No complete message arrived before the deadline."""


def send_message(
    sock: socket.socket, header: dict[str, Any], blobs: list[bytes]
) -> None:
    """Sends one message; blocks until the kernel has taken all of it."""
    header = {**header, "blob_sizes": [len(blob) for blob in blobs]}
    encoded = json.dumps(header).encode()
    sock.sendall(HEADER.pack(len(encoded)) + encoded)
    for blob in blobs:
        sock.sendall(blob)


def receive_message(
    sock: socket.socket, deadline: float | None, max_bytes: int
) -> tuple[dict[str, Any], list[bytes]]:
    """Returns the next message, or raises Timeout, ProtocolError or EOFError."""
    (length,) = HEADER.unpack(_read_exactly(sock, HEADER.size, deadline))
    if length > min(MAX_HEADER_BYTES, max_bytes):
        raise ProtocolError(f"message header of {length} bytes is too large")
    try:
        header = json.loads(_read_exactly(sock, length, deadline))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"message header is not JSON: {error}") from None
    sizes = header.get("blob_sizes") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("message header does not list its blob sizes")
    if sum(sizes) + length > max_bytes:
        raise ProtocolError(
            f"message of {sum(sizes) + length} bytes exceeds {max_bytes}"
        )
    blobs = [_read_exactly(sock, size, deadline) for size in sizes]
    return header, blobs


def _read_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Timeout
            ready, _, _ = select.select([sock], [], [], remaining)
            if not ready:
                raise Timeout
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the connection")
        chunks.extend(chunk)
    return bytes(chunks)
