"""Peak memory of each service's whole process tree, sampled in a background thread."""

from __future__ import annotations

import threading

import psutil

MIB = 1024 * 1024


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes (0 once gone)."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def tree_cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU time of a process and its living descendants, in seconds."""
    total = 0.0
    try:
        members = [process, *process.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    for member in members:
        try:
            times = member.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    return total


class MemorySampler:
    """Samples every `interval` seconds; `peaks` per service, `peak_total` per sample."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.roots: dict[str, psutil.Process] = {}
        self.peaks: dict[str, int] = {}
        self.peak_total = 0
        self.samples = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memory-sampler", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self.roots[name] = psutil.Process(pid)
            self.peaks.setdefault(name, 0)

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each service's process tree."""
        with self._lock:
            roots = dict(self.roots)
        return {name: tree_cpu_seconds(process) for name, process in roots.items()}

    def sample(self) -> None:
        with self._lock:
            roots = dict(self.roots)
        total = 0
        for name, process in roots.items():
            rss = tree_rss(process)
            total += rss
            self.peaks[name] = max(self.peaks.get(name, 0), rss)
        self.peak_total = max(self.peak_total, total)
        self.samples += 1

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(self.interval)

    def summary(self) -> dict:
        return {
            "peak_mib": {name: round(rss / MIB, 1) for name, rss in self.peaks.items()},
            "peak_total_mib": round(self.peak_total / MIB, 1),
            "samples": self.samples,
            "interval_seconds": self.interval,
        }
