"""CPU time and memory of a process, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of `pid` so far (0.0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name may hold spaces: count fields after its closing parenthesis.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _TICKS


def memory_kb(pid: int) -> dict[str, int]:
    """Resident set size now (VmRSS) and at its peak (VmHWM), in KiB."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        name, _, rest = line.partition(":")
        if name in values:
            values[name] = int(rest.split()[0])
    return values


def children(pid: int) -> list[int]:
    """Direct child processes of `pid`."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def core_busy_seconds() -> list[dict[str, float]]:
    """Per core since boot, from /proc/stat: time running tasks, in interrupts, and stolen by the hypervisor."""
    cores: list[dict[str, float]] = []
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) / _TICKS for v in values[:8])
            cores.append({"tasks": user + nice + system, "irq": irq + softirq, "steal": steal})
    return cores
