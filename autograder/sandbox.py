"""Confining a student's process with Linux namespaces, mounts and rlimits.

The student process is forked from a warm process that has already imported
TensorFlow, so an exec-based sandbox such as bubblewrap would throw that warm
start away. The same kernel features are therefore applied in place, right
after the fork:

- new mount, PID, network, IPC and UTS namespaces: no network at all, no view
  of other processes, and a file system of its own;
- the hidden checks, the instructor's `source/` and `solutions/`, the
  submissions and the results are covered by empty read-only mounts, every
  other mount is made read-only, and a size-limited tmpfs at /tmp is the only
  writable place;
- a /dev of its own with the harmless character devices only: the process
  keeps user id 0, which owns the disk devices, so the machine's /dev would
  let it read the checks from the raw disk, under every mount;
- no capabilities and `no_new_privs`, so nothing can be mounted back;
- rlimits on file size, open files and core dumps.

Where namespaces cannot be created (no root and no user namespaces), the
process still runs, with rlimits only, and `Isolation.level` says so.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.limits import Limits

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
MOUNT_FLAG_NAMES = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
MNT_DETACH = 2
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus")
DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    pass


@dataclass
class Isolation:
    """How strongly a student's process is confined, as reported to users."""

    level: str = "full"
    notes: list[str] = field(default_factory=list)

    @property
    def weaker(self) -> bool:
        return self.level != "full"


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def die_with_parent() -> None:
    """Asks the kernel to kill this process when its parent ends."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


def enter_namespaces() -> str:
    """Unshares namespaces for the next fork; returns how it was done."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if _libc.unshare(flags) == 0:
        return "full"
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(flags | CLONE_NEWUSER) == 0:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
        return "user-namespace"
    return "none"


def _mount(
    source: str | None, target: str, kind: str | None, flags: int, data: str = ""
) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            kind.encode() if kind else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def confine_file_system(
    hidden: list[str], limits: Limits, keep: list[str]
) -> list[str]:
    """Builds the student's view of the file system; returns what it skipped.

    `keep` lists folders the process needs to go on importing (the Python
    installation, the virtual environment, this package): they stay readable
    even where they lie under a hidden folder or under /tmp, which is replaced
    by the student's scratch space.
    """
    skipped = []
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    kept = {path: os.open(path, os.O_PATH) for path in keep if os.path.isdir(path)}
    try:
        for path in hidden:
            if not os.path.exists(path):
                continue
            try:
                if os.path.isdir(path):
                    _mount(
                        "tmpfs",
                        path,
                        "tmpfs",
                        MS_NOSUID | MS_NODEV,
                        "size=64k,mode=555",
                    )
                    _expose_kept(path, kept)
                else:
                    _mount("/dev/null", path, None, MS_BIND)
            except SandboxError as error:
                skipped.append(f"could not hide {path}: {error.strerror}")
        _remount_read_only(skipped)
        try:
            _replace_dev()
        except (SandboxError, OSError) as error:
            skipped.append(f"could not replace /dev: {error}")
        scratch = f"size={limits.file_bytes},nr_inodes={limits.files},mode=1777"
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, scratch)
        _expose_kept("/tmp", kept, read_only=True)
    finally:
        for handle in kept.values():
            os.close(handle)
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777")
    return skipped


def runtime_paths() -> list[str]:
    """Returns the folders a warm process still imports from: Python, the venv, us."""
    import sysconfig

    package = os.path.dirname(os.path.abspath(__file__))
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, package}
    paths.update(sysconfig.get_paths().values())
    return sorted({os.path.realpath(path) for path in paths if os.path.isdir(path)})


def _remount_read_only(skipped: list[str]) -> None:
    """Mounts a fresh /proc, then makes every mount read-only."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _protect_kernel_settings(skipped)
    for mount_point, options in _mount_points():
        if mount_point == "/proc" or mount_point.startswith("/proc/"):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(bit for name, bit in MOUNT_FLAG_NAMES.items() if name in options)
        try:
            _mount(None, mount_point, None, flags)
        except SandboxError as error:
            skipped.append(f"could not make {mount_point} read-only: {error.strerror}")


def _protect_kernel_settings(skipped: list[str]) -> None:
    """Makes the machine-wide parts of the fresh /proc read-only.

    Writing /proc/sys or /proc/sysrq-trigger takes no capability, only the
    file's owner, and the student process keeps user id 0: without this it
    could change pid_max or overcommit for the whole machine, or reboot it.
    """
    for path in PROC_READ_ONLY:
        if not os.path.exists(path):
            continue
        try:
            _mount(path, path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
        except SandboxError as error:
            skipped.append(f"could not make {path} read-only: {error.strerror}")


def _expose_kept(covered: str, kept: dict[str, int], read_only: bool = False) -> None:
    """Binds back the kept folders that the mount at `covered` just hid.

    With `read_only` (the student's writable /tmp), the folders leading to a
    kept one get a small tmpfs of their own, made read-only once the binds are
    in place, so the student cannot write beside the grader's own files.
    """
    prefix = covered.rstrip("/") + "/"
    inside = [path for path in kept if path.startswith(prefix)]
    tops = sorted({prefix + path[len(prefix) :].split("/", 1)[0] for path in inside})
    if read_only:
        for top in tops:
            os.makedirs(top, exist_ok=True)
            _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
    for path in inside:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{kept[path]}", path, None, MS_BIND | MS_REC)
        if read_only:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    if read_only:
        for top in tops:
            _mount(None, top, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _replace_dev() -> None:
    """Mounts a /dev that holds only `DEVICES`, bound from the machine's /dev."""
    handles = {
        name: os.open(f"/dev/{name}", os.O_PATH)
        for name in DEVICES
        if os.path.exists(f"/dev/{name}")
    }
    _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    try:
        for name, handle in handles.items():
            Path(f"/dev/{name}").touch()
            _mount(f"/proc/self/fd/{handle}", f"/dev/{name}", None, MS_BIND)
        for name, target in DEVICE_LINKS.items():
            os.symlink(target, f"/dev/{name}")
        os.mkdir("/dev/shm")
        _mount(None, "/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    except (SandboxError, OSError):
        _libc.umount2(b"/dev", MNT_DETACH)  # back to the read-only machine /dev
        raise
    finally:
        for handle in handles.values():
            os.close(handle)


def _mount_points() -> list[tuple[str, set[str]]]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        parts = line.split()
        mount_point = parts[4].encode().decode("unicode_escape")
        points.append((mount_point, set(parts[5].split(","))))
    return points


def drop_privileges() -> None:
    """Drops every capability, for good, so no mount can be undone."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_uint32)
            for name in ("effective", "permitted", "inheritable")
        ]

    header = Header(0x20080522, 0)
    data = (Data * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def apply_rlimits(limits: Limits, with_memory: bool) -> None:
    """Sets the limits the kernel enforces per process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(
        resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes)
    )
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512))
    if with_memory:
        # Without a control group, address space is the only memory limit left.
        # TensorFlow reserves about 1.5 GiB of address space it never touches.
        address_space = limits.memory_bytes + 2 * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
