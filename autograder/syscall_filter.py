"""A seccomp filter that leaves student code no socket but an Internet one.

The network namespace already isolates Internet sockets: only a loopback that
is down. Other address families are not isolated by it. A Unix socket of the
machine is reached through its path, read-only mount or not, and a daemon
behind it (a container engine, the init system's bus) trusts the user id 0 the
student process keeps. VSOCK reaches the host of a virtual machine. So
`socket()` fails with EPERM for every family but AF_INET and AF_INET6, and the
syscalls of another architecture, which could bypass the check, fail too.
`socketpair()` stays allowed: such a pair connects to nothing outside.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket

# (AUDIT_ARCH_* value, number of the socket syscall) per machine.
ARCHITECTURES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
X32_SYSCALL_BIT = 0x40000000  # x86_64's x32 ABI: a second number for each call
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
# Classic BPF opcodes: load a word of seccomp_data, compare, return.
LOAD_WORD = 0x20
JUMP_IF_EQUAL = 0x15
JUMP_IF_GREATER_OR_EQUAL = 0x35
RETURN = 0x06
# Offsets in struct seccomp_data: nr, arch, then args[0] after the pointer.
NR, ARCH, FIRST_ARGUMENT = 0, 4, 16


class Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jump_true", ctypes.c_uint8),
        ("jump_false", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class Program(ctypes.Structure):
    _fields_ = [("length", ctypes.c_uint16), ("filter", ctypes.POINTER(Instruction))]


def _program(audit_arch: int, socket_syscall: int) -> list[tuple[int, int, int, int]]:
    """Returns the filter; jumps count the instructions they skip."""
    deny = SECCOMP_RET_ERRNO | errno.EPERM
    return [
        (LOAD_WORD, 0, 0, ARCH),
        (JUMP_IF_EQUAL, 1, 0, audit_arch),
        (RETURN, 0, 0, deny),  # another architecture's syscalls
        (LOAD_WORD, 0, 0, NR),
        (JUMP_IF_GREATER_OR_EQUAL, 0, 1, X32_SYSCALL_BIT),
        (RETURN, 0, 0, deny),
        (JUMP_IF_EQUAL, 0, 4, socket_syscall),
        (LOAD_WORD, 0, 0, FIRST_ARGUMENT),
        (JUMP_IF_EQUAL, 2, 0, socket.AF_INET),
        (JUMP_IF_EQUAL, 1, 0, socket.AF_INET6),
        (RETURN, 0, 0, deny),
        (RETURN, 0, 0, SECCOMP_RET_ALLOW),
    ]


def forbid_other_sockets() -> str | None:
    """Installs the filter for this process and its children; returns why not."""
    machine = platform.machine()
    if machine not in ARCHITECTURES:
        return f"no socket filter for the {machine} architecture"
    instructions = _program(*ARCHITECTURES[machine])
    array = (Instruction * len(instructions))(*instructions)
    program = Program(len(instructions), array)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
        PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0
    ):
        return f"could not filter sockets: {errno.errorcode.get(ctypes.get_errno())}"
    return None
