"""`make bench`: MapBot and the stock `rasa init` assistant, under the same load.

1. Train MapBot's model from scratch into a temporary folder (`rasa train --force`, the
   command `bot.operations.stack.train` runs), and make and train the stock assistant
   (`rasa init --no-prompt` in a temporary folder): both timed.
2. Start MapBot's three services (`bot.operations.stack.running`, as the end-to-end tests
   start them) on free ports with fresh SQLite databases, time start to healthy, add a
   worker through the CLI, then a case and an invitation per family through the API.
3. Play N concurrent families through whole parent conversations over
   `POST /api/v1/chat/{token}/messages`, timing every turn, while sampling the memory of
   each service's process tree.
4. Serve the stock assistant (`rasa run`, REST channel) and play N conversations with the
   same number of turns through `POST /webhooks/rest/webhook`, measured the same way.
5. Write `<out>/<timestamp>.json`, `<out>/<timestamp>.md` and `<out>/latest.md`, and the
   table in README.md's "Benchmark" section (only when writing to bench/results).

Everything runs on 127.0.0.1, is bounded in count and time, and every process it starts
ends with it, also on Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
import psutil

from bench import load, report
from bench.memory import MemorySampler
from bench.profiles import Profiler, summary
from bot.config import ROOT, Settings, rasa_patches_on
from bot.operations.stack import (
    MODEL_NAME,
    RASA_BIN,
    Stack,
    add_worker,
    free_port,
    local_settings,
    model_dir,
    running,
    service_env,
)

DEFAULT_OUT = ROOT / "bench" / "results"
WORKER = "bench-worker"
MAX_FAMILIES = 500


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Guard:
    """Every process this run starts, each in its own process group; all of them end."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def add(self, process: subprocess.Popen) -> subprocess.Popen:
        self.processes.append(process)
        return process

    @staticmethod
    def end(process: subprocess.Popen, grace: float = 20) -> None:
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        # The leader may be gone while its group lives on (workers, helpers): end those.
        _signal_group(process.pid, signal.SIGKILL)
        if process.poll() is None:
            process.wait(timeout=10)

    def cleanup(self) -> None:
        for process in reversed(self.processes):
            try:
                self.end(process)
            except Exception as error:  # noqa: BLE001 - keep ending the others
                say(f"could not end process {process.pid}: {error}")
        # Anything still below this process was started by this run.
        left = psutil.Process().children(recursive=True)
        for child in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(left, timeout=10)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def run_logged(command: list[str], *, cwd: Path, env: dict[str, str], log: Path,
               timeout: float, guard: Guard) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as stream:
        process = guard.add(subprocess.Popen(command, cwd=cwd, env=env, stdout=stream,
                                             stderr=subprocess.STDOUT, start_new_session=True))
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            guard.end(process)
            raise TimeoutError(f"{command[:2]} took more than {timeout:.0f} s; "
                               f"see {log}") from expired
    if code != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({code}):\n{tail(log)}")


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "LOG_LEVEL_LIBRARIES": "ERROR"})
    return env


def wait_for(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited ({process.returncode}):\n{tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} was not healthy within {timeout:.0f} s; see {log}")


def cpu_used(used: dict[str, float], turns: int, client_seconds: float) -> dict:
    """CPU seconds each service used while the families played, and per answered turn;
    and the load generator's own (this process: it shares the machine's two cores)."""
    turns = turns or 1
    return {"seconds": {name: round(value, 2) for name, value in used.items()},
            "ms_per_turn": {name: round(1000 * value / turns, 1)
                            for name, value in used.items()},
            "total_ms_per_turn": round(1000 * sum(used.values()) / turns, 1),
            "load_generator_ms_per_turn": round(1000 * client_seconds / turns, 1)}


# Training -----------------------------------------------------------------------------------

def train_mapbot(settings: Settings, logs: Path, args, guard: Guard) -> float:
    """A full training, always: the command `bot.operations.stack.train` runs, into an empty
    folder."""
    out = model_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    command = [str(RASA_BIN / "rasa"), "train", "--fixed-model-name", MODEL_NAME,
               "--out", str(out), "--force"]
    started = time.monotonic()
    run_logged(command, cwd=ROOT, env=service_env(settings), log=logs / "mapbot-train.log",
               timeout=args.train_timeout, guard=guard)
    return time.monotonic() - started


def init_stock(work: Path, logs: Path, args, guard: Guard) -> tuple[Path, Path, float]:
    """`rasa init --no-prompt` makes the stock project and trains it (timed as training)."""
    project = work / "stock"
    project.mkdir()
    command = [str(RASA_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)]
    started = time.monotonic()
    run_logged(command, cwd=work, env=rasa_env(), log=logs / "stock-init.log",
               timeout=args.train_timeout, guard=guard)
    seconds = time.monotonic() - started
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init made no model:\n{tail(logs / 'stock-init.log')}")
    return project, models[-1], seconds


def reuse_models(kept: Path, work: Path) -> tuple[Path, Path]:
    """Both models from an earlier run's folder (kept with --keep), for quick profiling."""
    mapbot = kept / "model" / f"{MODEL_NAME}.tar.gz"
    stock_models = sorted((kept / "stock" / "models").glob("*.tar.gz"))
    if not mapbot.exists() or not stock_models:
        raise RuntimeError(f"{kept} has no model/{MODEL_NAME}.tar.gz or stock/models/")
    (work / "model").mkdir()
    shutil.copy2(mapbot, work / "model" / mapbot.name)
    shutil.copytree(kept / "stock", work / "stock")
    return work / "stock", work / "stock" / "models" / stock_models[-1].name


# MapBot -------------------------------------------------------------------------------------

def invite_families(settings: Settings, password: str, count: int) -> list[str]:
    """One case per family and one parent invitation in it; their chat tokens."""
    tokens = []
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.port}", timeout=60) as client:
        response = client.post("/api/v1/login",
                               json={"username": WORKER, "password": password})
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['token']}"}
        for number in range(count):
            case = client.post("/api/v1/cases", headers=headers, json={
                "reference": f"BENCH-{number:03d}", "child_name": "Jamie"})
            case.raise_for_status()
            invitation = client.post(f"/api/v1/cases/{case.json()['id']}/invitations",
                                     headers=headers,
                                     json={"role": "parent", "name": f"Parent {number}"})
            invitation.raise_for_status()
            tokens.append(invitation.json()["token"])
    return tokens


@dataclass
class Side:
    """One assistant's services, up and warmed up, and the load it has had so far."""

    name: str
    base: str
    processes: dict[str, subprocess.Popen]
    sampler: MemorySampler
    healthy: float
    families: Callable[[int], list[load.Family]]  # the families of round r
    results: list[load.LoadResult] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    client_seconds: float = 0.0

    def play_round(self, number: int, args) -> load.LoadResult:
        say(f"{self.name}, round {number + 1} of {args.rounds}: {args.families} families, "
            f"{load.MAPBOT_TURNS} turns each")
        cpu_before, client_before = self.sampler.cpu_seconds(), time.process_time()
        result = asyncio.run(load.play_all(
            self.name, self.base, self.families(number), ramp=args.ramp, think=args.think,
            timeout=args.timeout, deadline=args.deadline, round_number=number))
        self.client_seconds += time.process_time() - client_before
        for name, seconds in self.sampler.cpu_seconds().items():
            self.cpu[name] = self.cpu.get(name, 0.0) + max(
                0.0, seconds - cpu_before.get(name, 0.0))
        self.results.append(result)
        return result

    def summary(self, training: float | None) -> dict:
        played = load.merged(self.results)
        return {"training_seconds": None if training is None else round(training, 2),
                "start_to_healthy_seconds": round(self.healthy, 2),
                "load": load.summarise(played),
                "rounds": [load.round_summary(result) for result in self.results],
                "cpu": cpu_used(self.cpu, played.turns_ok, self.client_seconds),
                "memory": self.sampler.summary()}


def start_mapbot(settings: Settings, work: Path, args, guard: Guard,
                 scope: contextlib.ExitStack) -> Side:
    """MapBot's three services on fresh databases, started as the end-to-end tests start
    them (bot/operations/stack.py `running`, stopped when `scope` closes), timed to
    healthy; a worker, and a case and an invitation per family of every round; the
    warm-up played."""
    sampler = MemorySampler().start()

    def watch(stack: Stack) -> None:
        for name, process in stack.processes.items():
            guard.add(process)
            sampler.watch(name, process.pid)

    started = time.monotonic()
    try:
        stack = scope.enter_context(running(settings, work / "logs" / "mapbot",
                                            healthy_timeout=args.healthy_timeout,
                                            started=watch))
    except (TimeoutError, RuntimeError):
        for text in Stack(settings, work / "logs" / "mapbot").logs():
            say(text)
        raise
    healthy = time.monotonic() - started
    say(f"MapBot healthy after {healthy:.1f} s; adding a worker, cases and invitations")
    password = secrets.token_urlsafe(18)
    add_worker(settings, WORKER, password)
    tokens = invite_families(settings, password, args.warmup + args.rounds * args.families)
    base = f"http://127.0.0.1:{settings.port}"
    if args.warmup:
        warm = asyncio.run(load.play_all(
            "mapbot-warmup", base, [load.mapbot_family(t) for t in tokens[:args.warmup]],
            ramp=0, timeout=args.timeout, deadline=args.deadline))
        say(f"warm-up: {warm.completed}/{warm.families} conversations, "
            f"problems {dict(warm.problems) or 'none'}")

    def families(number: int) -> list[load.Family]:
        first = args.warmup + number * args.families
        return [load.mapbot_family(token) for token in tokens[first:first + args.families]]

    return Side("mapbot", base, dict(stack.processes), sampler, healthy, families)


def start_stock(project: Path, model: Path, work: Path, args, guard: Guard) -> Side:
    """The stock assistant served by `rasa run` (REST channel), timed to healthy; the
    warm-up played."""
    logs = work / "logs" / "stock"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    sampler = MemorySampler().start()
    started = time.monotonic()
    with open(logs / "rasa.log", "ab") as stream:
        process = guard.add(subprocess.Popen(
            [str(RASA_BIN / "rasa"), "run", "-i", "127.0.0.1", "-p", str(port),
             "--model", str(model), "--credentials", "credentials.yml",
             "--endpoints", "endpoints.yml"],
            cwd=project, env=rasa_env(), stdout=stream, stderr=subprocess.STDOUT,
            start_new_session=True))
    sampler.watch("rasa", process.pid)
    wait_for(f"http://127.0.0.1:{port}/", process, args.healthy_timeout, logs / "rasa.log")
    healthy = time.monotonic() - started
    say(f"stock assistant healthy after {healthy:.1f} s")
    examples = load.stock_examples(project)
    base = f"http://127.0.0.1:{port}"
    if args.warmup:
        warm = asyncio.run(load.play_all(
            "stock-warmup", base,
            [load.stock_family(examples, load.MAPBOT_TURNS)] * args.warmup,
            ramp=0, timeout=args.timeout, deadline=args.deadline))
        say(f"warm-up: {warm.completed}/{warm.families} conversations")

    def families(number: int) -> list[load.Family]:
        return [load.stock_family(examples, load.MAPBOT_TURNS)] * args.families

    return Side("stock", base, {"rasa": process}, sampler, healthy, families)


def play_rounds(sides: list[Side], args) -> None:
    """The rounds, interleaved: each side plays first in every other round, so that a
    slower spell of the shared machine falls on both sides alike."""
    profilers: list[Profiler] = []
    try:
        if args.profile:
            profilers = [Profiler(process.pid, args.profile / f"{side.name}-{name}.txt")
                         for side in sides for name, process in side.processes.items()]
            time.sleep(1)  # let py-spy attach before the load starts
        for number in range(args.rounds):
            for side in sides if number % 2 == 0 else reversed(sides):
                side.play_round(number, args)
    finally:
        for profiler in profilers:
            profiler.stop()


# The whole run -------------------------------------------------------------------------------

def git_state() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit or "unknown", "dirty": dirty}


def rasa_version() -> str:
    found = sorted(RASA_BIN.parent.glob("lib/python*/site-packages/rasa-*.dist-info"))
    return found[0].name.removeprefix("rasa-").removesuffix(".dist-info") if found else "?"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=50,
                        help="concurrent conversations on each side (default 50)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where results go (default bench/results)")
    parser.add_argument("--readme", action=argparse.BooleanOptionalAction, default=None,
                        help="put the table in README.md (default: only with the default "
                             "--out, without --profile or --reuse-models)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of load on each side, interleaved (default 3); the "
                             "latencies are those of all rounds together")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a family waits between a reply and its next message")
    parser.add_argument("--ramp", type=float, default=1.0,
                        help="families start at random moments within this many seconds")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured conversations before the load, on each side")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per turn")
    parser.add_argument("--deadline", type=float, default=900.0,
                        help="seconds for each side's load; unfinished families count as "
                             "errors")
    parser.add_argument("--train-timeout", type=float, default=900.0)
    parser.add_argument("--healthy-timeout", type=float, default=180.0)
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="record each service with py-spy during the load, into DIR")
    parser.add_argument("--reuse-models", type=Path, default=None, metavar="DIR",
                        help="skip training: use the models in DIR, a folder an earlier "
                             "run kept with --keep (for profiling; training not measured)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (models, databases, logs)")
    args = parser.parse_args(argv)
    if not 1 <= args.families <= MAX_FAMILIES:
        parser.error(f"--families must be between 1 and {MAX_FAMILIES}")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    if not 0 <= args.warmup <= 5:
        parser.error("--warmup must be between 0 and 5")
    if args.readme is None:
        args.readme = (args.out.resolve() == DEFAULT_OUT.resolve() and not args.profile
                       and not args.reuse_models)
    if args.profile:
        args.profile = args.profile.resolve()
    return args


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C stops the run even where it was started with SIGINT ignored (in the
    # background of a script); TERM and HUP stop it the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="mapbot-bench-"))
    logs = work / "logs"
    guard = Guard()
    scope = contextlib.ExitStack()  # MapBot's services, stopped before the guard's cleanup
    load_start = os.getloadavg()
    failed = True  # until it ends well or is interrupted: then the folder goes
    try:
        # Free ports, every shared secret random for this run, as the tests have them.
        settings = local_settings(
            f"sqlite:///{work / 'mapbot.db'}", f"sqlite:///{work / 'trackers.db'}",
            model_dir=str(work / "model"),
            # MAPBOT_RASA_PATCHES=off: MapBot on stock Rasa (its channel and tracker store).
            rasa_patches=rasa_patches_on(os.environ.get("MAPBOT_RASA_PATCHES")))
        say(f"working in {work}; load average {load_start[0]:.2f}")
        if args.reuse_models:
            project, stock_model = reuse_models(args.reuse_models, work)
            mapbot_training = stock_training = None
            say(f"reusing the models in {args.reuse_models} (no training measured)")
        else:
            say("training MapBot from scratch (rasa train --force)")
            mapbot_training = train_mapbot(settings, logs, args, guard)
            say(f"MapBot trained in {mapbot_training:.1f} s; "
                "now rasa init --no-prompt (trains)")
            project, stock_model, stock_training = init_stock(work, logs, args, guard)
            say(f"stock assistant made and trained in {stock_training:.1f} s")
        sides = [start_mapbot(settings, work, args, guard, scope),
                 start_stock(project, stock_model, work, args, guard)]
        play_rounds(sides, args)
        for side in sides:
            side.sampler.stop()
        mapbot = sides[0].summary(mapbot_training)
        stock = sides[1].summary(stock_training)
        m_p95 = mapbot["load"]["latency_ms"]["p95"]
        s_p95 = stock["load"]["latency_ms"]["p95"]
        results = {
            "timestamp": stamp,
            "families": args.families,
            "rounds": args.rounds,
            "turns_per_conversation": load.MAPBOT_TURNS,
            "settings": {"think": args.think, "ramp": args.ramp, "warmup": args.warmup,
                         "timeout": args.timeout, "deadline": args.deadline,
                         "profile": bool(args.profile),
                         "rasa_patches": "on" if settings.rasa_patches else "off",
                         "reused_models": bool(args.reuse_models),
                         "mapbot_databases": "fresh SQLite files (portal and Rasa tracker)",
                         "stock_tracker": "in memory (rasa init's default endpoints.yml)"},
            "machine": {"cpus": os.cpu_count(), "load_average_start": load_start,
                        "load_average_end": os.getloadavg(),
                        "python": sys.version.split()[0], "rasa": rasa_version()},
            "git": git_state(),
            "mapbot": mapbot,
            "stock": stock,
            "p95_ratio": round(m_p95 / s_p95, 3) if m_p95 and s_p95 else None,
        }
        results["targets_met"] = report.targets_met(results)
        as_json, as_md = report.write(results, args.out)
        if args.readme:
            report.update_readme(ROOT / "README.md", results)
        print(report.markdown(results))
        say(f"results: {as_json} and {as_md}")
        if args.profile:
            text = "\n".join(summary(path) for path in sorted(args.profile.glob("*.txt"))
                             if not path.name.startswith("summary"))
            (args.profile / "summary.txt").write_text(text)
            say(f"profiles in {args.profile} (summary.txt)")
        failed = False
        return 0
    except KeyboardInterrupt:
        failed = False
        say("interrupted: stopping everything this run started")
        return 130
    except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError,
            httpx.HTTPError) as error:
        say(f"failed: {error}")
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not stop the cleanup
        try:
            scope.close()
        finally:
            guard.cleanup()
        if args.keep or failed:
            say(f"kept {work} (models, databases, logs)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
