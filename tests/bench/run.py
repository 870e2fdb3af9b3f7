"""Benchmarks (``make bench``): serving against the framework's floor, and ingest.

Serving: the reader (``python -m app serve``, one worker, access log off) and a bare Starlette
app (``tests/bench/floor.py``) returning the same bytes for each endpoint, run by the same
interpreter and uvicorn settings, are loaded in turn with ``wrk -t1 -c32`` on loopback, with
and without ``Accept-Encoding: gzip``. Each target is printed beside the measured figure;
the reader's resident memory, its start-up to first answer and whether spaCy is mapped in it
are measured on the same process. The tables go to ``bench/serving.md``, and
``bench/results.md`` is assembled from it and ``bench/scale.md`` (the scale benchmark's,
when present).

Shared machines drift: every ratio is measured in one run, with the two servers loaded
alternately endpoint by endpoint; absolute figures are for this run only. Beside each ratio of
requests per second, the CPU time each server spent per request (which other work on the
machine disturbs far less); beside the reader's start-up, the floor's.
"""

import argparse
import base64
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from app.settings import BUNDLED_ARTICLE  # noqa: E402

BENCH_DIR = ROOT / "bench"
CONNECTIONS = 32
RSS_LIMIT_MIB = 150
STARTUP_LIMIT_S = 2.0
STARTUP_TIMEOUT_S = 180.0  # a start-up took 26 s at load average 24 on this 2-core machine


# ------------------------------------------------------------------------ ingest


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_ingest(runs: int) -> list[str]:
    """Extraction against plain spaCy on the bundled article, in this process."""
    from app.nlp.extract import extract
    from app.nlp.normalise import normalise_text
    from app.nlp.pipeline import load_model, load_pipeline

    t = time.perf_counter()
    nlp = load_pipeline()
    load_ms = (time.perf_counter() - t) * 1000
    plain = load_model()
    normalised = normalise_text(BUNDLED_ARTICLE.read_text(encoding="utf-8"))
    extract(nlp, normalised)  # warm up
    plain_ms = median_ms(lambda: plain(normalised.text), runs)
    ours_ms = median_ms(lambda: extract(nlp, normalised), runs)
    return [
        "| what | median ms | ratio in this run |",
        "| --- | ---: | --- |",
        f"| load pipeline (spaCy + ruler) | {load_ms:.0f} | |",
        f"| plain spaCy on the bundled article | {plain_ms:.1f} | 1.00× |",
        f"| extract() on the bundled article | {ours_ms:.1f} | "
        f"{ours_ms / plain_ms:.2f}× plain spaCy |",
    ]


# ------------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0) -> float:
    """Seconds until ``url`` answers 200 (polled every 5 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fetch(url: str, gzip: bool) -> tuple[int, str, bytes]:
    headers = {"Accept-Encoding": "gzip"} if gzip else {"Accept-Encoding": "identity"}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return (response.status, response.headers.get("Content-Type", ""), response.read())


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def spacy_mapped(pid: int) -> bool:
    """Is any file of spaCy or thinc mapped into the process (imported extension modules)?"""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return bool(re.search(r"/(spacy|thinc)/", maps))


# ------------------------------------------------------------------------ wrk


@dataclass
class Load:
    rps: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_s: float = 0.0  # CPU time (user + system) the server spent during the round


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, gzip: bool) -> Load:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    if gzip:
        command[1:1] = ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    return Load(
        rps,
        float(p99[1]) * _UNITS[p99[2]] if p99 else float("nan"),
        (int(errors[1]) if errors else 0) + (int(socket_errors[1]) if socket_errors else 0),
        int(requests[1]) if requests else 0,
    )


def timed_wrk(pid: int, url: str, seconds: int, gzip: bool) -> Load:
    """A wrk round, with the CPU time the server at ``pid`` spent serving it."""
    before = cpu_seconds(pid)
    load = wrk(url, seconds, gzip)
    load.cpu_s = cpu_seconds(pid) - before
    return load


# ------------------------------------------------------------------------ the run


@dataclass
class Endpoint:
    name: str
    path: str
    ratio: float  # at least this × the floor's requests/s
    p99_ms: float | None  # below this (None: no latency target)


def endpoints(base: str) -> list[Endpoint]:
    """The issue's endpoints, on the bundled article and its library."""
    entities = json.loads(fetch(f"{base}/api/articles/ramadi/entities", False)[2])
    top = max((e for e in entities if e["library_id"] is not None),
              key=lambda e: len(e["mentions"]))
    quotes = json.loads(fetch(f"{base}/api/articles/ramadi/quotes", False)[2])
    quote = next(q for q in quotes if q.get("kind") != "term")
    library_id = top["library_id"]
    return [
        Endpoint("article page", "/articles/ramadi", 0.8, 50),
        Endpoint("entity page", f"/articles/ramadi/entities/{top['id']}", 0.5, 100),
        Endpoint("quotes page", "/articles/ramadi/quotes", 0.5, 100),
        Endpoint("quote page", f"/articles/ramadi/quotes/{quote['id']}", 0.5, 100),
        Endpoint("article JSON", "/api/articles/ramadi", 0.5, 100),
        Endpoint("article entities JSON", "/api/articles/ramadi/entities", 0.5, 100),
        Endpoint("article quotes JSON", "/api/articles/ramadi/quotes", 0.5, 100),
        Endpoint("library entities JSON", "/api/entities", 0.5, 100),
        Endpoint("library entity JSON", f"/api/entities/{library_id}", 0.5, 100),
        Endpoint("/healthz", "/healthz", 0.8, None),
    ]


def prepare_database(directory: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{directory / 'bench.db'}",
           "DATA_DIR": str(directory / "data"), "WEB_CONCURRENCY": "1"}
    env.pop("ACCESS_LOG", None)
    py = sys.executable
    subprocess.run([py, "-m", "app", "migrate"], env=env, check=True, cwd=ROOT)
    subprocess.run([py, "-m", "app", "ingest-default"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return env


def mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def alternate(ours: tuple[int, str], floor: tuple[int, str], seconds: int, rounds: int,
              gzip: bool) -> tuple[Load, Load]:
    """Load the two servers (pid, URL) in turn, ``rounds`` times each, so that what else
    the machine is doing weighs on both alike; the median round of each, with the CPU time
    each server spent over all its rounds."""
    wrk(ours[1], 1, gzip)  # warm both
    wrk(floor[1], 1, gzip)
    mine, bare = [], []
    for _ in range(rounds):
        mine.append(timed_wrk(*ours, seconds, gzip))
        bare.append(timed_wrk(*floor, seconds, gzip))
    return median_load(mine), median_load(bare)


def median_load(loads: list[Load]) -> Load:
    return Load(statistics.median(x.rps for x in loads),
                statistics.median(x.p99_ms for x in loads), sum(x.errors for x in loads),
                sum(x.requests for x in loads), sum(x.cpu_s for x in loads))


def cpu_us(load: Load) -> float:
    """Server CPU time per request, µs (what a request costs, whatever else runs)."""
    return load.cpu_s / load.requests * 1e6 if load.requests else float("nan")


def started(command: list[str], env: dict[str, str], url: str
            ) -> tuple[subprocess.Popen[bytes], float, float]:
    """Start a server; (process, seconds to its first 200 at ``url``, its CPU seconds then)."""
    begun = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(url, STARTUP_TIMEOUT_S)
    except BaseException:
        stop(process)
        raise
    return process, time.perf_counter() - begun, cpu_seconds(process.pid)


STARTS = 3  # start-up is measured this many times (the median shown)


def start_ups(command: list[str], env: dict[str, str], url: str
              ) -> tuple[subprocess.Popen[bytes], float, float]:
    """Start a server ``STARTS`` times; the last one is kept running. The medians of the
    seconds to its first 200 at ``url`` and of the CPU seconds it had used by then."""
    walls, cpus = [], []
    for attempt in range(STARTS):
        process, wall, cpu = started(command, env, url)
        walls.append(wall)
        cpus.append(cpu)
        if attempt < STARTS - 1:
            stop(process)
    return process, statistics.median(walls), statistics.median(cpus)


def bench_serving(seconds: int, rounds: int) -> list[str]:
    directory = Path(tempfile.mkdtemp(prefix="bench-"))
    env = prepare_database(directory)
    # Bytecode as any installed server has it (PYTHONDONTWRITEBYTECODE would otherwise have
    # every start compile the app's modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "tests/bench"], cwd=ROOT,
                   check=True)
    port, floor_port = free_port(), free_port()
    base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
    app = floor = None
    try:
        # No ingest worker beside it: nothing is ingested, and its model load would take CPU.
        app, startup, startup_cpu = start_ups(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            {**env, "LOCAL_WORKER": "false"}, f"{base}/healthz")
        targets = endpoints(base)
        spec = {}
        for endpoint in targets:
            status, media, plain = fetch(base + endpoint.path, False)
            _, _, packed = fetch(base + endpoint.path, True)
            assert status == 200, endpoint.path
            spec[endpoint.path] = {
                "type": media, "plain": base64.b64encode(plain).decode(),
                "gzip": base64.b64encode(packed).decode() if packed != plain else None,
                "sizes": (len(plain), len(packed)),
            }
        spec_file = directory / "floor.json"
        spec_file.write_text(json.dumps(spec))
        floor, floor_startup, floor_startup_cpu = start_ups(
            [sys.executable, "-m", "tests.bench.floor", str(floor_port)],
            {**env, "FLOOR_SPEC": str(spec_file), "PYTHONPATH": str(ROOT)},
            f"{floor_base}/healthz")
        rows = [
            "| endpoint | gzip | bytes | floor req/s | reader req/s | ratio (target) | "
            "reader p99 ms (target) | floor p99 ms | met | server CPU µs/request: "
            "floor / reader (ratio) |",
            "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- | --- |",
        ]
        for endpoint in targets:
            for gzip in (False, True):
                size = spec[endpoint.path]["sizes"][1 if gzip else 0]
                if gzip and spec[endpoint.path]["gzip"] is None:
                    continue  # under 1 KB: served as it is either way
                ours, bare = alternate((app.pid, base + endpoint.path),
                                       (floor.pid, floor_base + endpoint.path),
                                       seconds, rounds, gzip)
                ratio = ours.rps / bare.rps
                ok = ratio >= endpoint.ratio and not ours.errors
                latency = f"{ours.p99_ms:.1f}"
                if endpoint.p99_ms is not None:
                    latency += f" (< {endpoint.p99_ms:.0f})"
                    ok = ok and ours.p99_ms < endpoint.p99_ms
                errors = f", {ours.errors} errors" if ours.errors else ""
                rows.append(
                    f"| {endpoint.name} `{endpoint.path}` | {'yes' if gzip else 'no'} | "
                    f"{size:,} | {bare.rps:,.0f} | {ours.rps:,.0f}{errors} | "
                    f"{ratio:.2f}× (≥ {endpoint.ratio}×) | {latency} | {bare.p99_ms:.1f} | "
                    f"{mark(ok)} | {cpu_us(bare):.0f} / {cpu_us(ours):.0f} "
                    f"({cpu_us(bare) / cpu_us(ours):.2f}×) |"
                )
                print(rows[-1], flush=True)
        rss = rss_mib(app.pid)
        mapped = spacy_mapped(app.pid)
    finally:
        for process in (app, floor):
            if process is not None:
                stop(process)
        shutil.rmtree(directory, ignore_errors=True)
    rows += [
        "",
        "| reader process | measured | target | met | the floor, same run |",
        "| --- | ---: | --- | --- | ---: |",
        f"| resident memory after the run (one worker) | {rss:.0f} MiB | "
        f"< {RSS_LIMIT_MIB} MiB | {mark(rss < RSS_LIMIT_MIB)} | |",
        f"| start-up to first answer (`serve` to `/healthz` 200), median of {STARTS} | "
        f"{startup:.2f} s | < {STARTUP_LIMIT_S:.0f} s | {mark(startup < STARTUP_LIMIT_S)} | "
        f"{floor_startup:.2f} s |",
        f"| CPU time the server used until that answer (user + system), median of {STARTS} | "
        f"{startup_cpu:.2f} s | | | {floor_startup_cpu:.2f} s |",
        f"| spaCy or thinc mapped in the server | {'yes' if mapped else 'no'} | no | "
        f"{mark(not mapped)} | |",
    ]
    return rows


def machine() -> str:
    import uvicorn

    cores = os.cpu_count()
    load = os.getloadavg()[0]
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
            f"uvicorn {uvicorn.__version__}; {cores} cores, load average {load:.1f} at the "
            "start (a machine shared with other work: figures are noisy, compare ratios)")


def assemble() -> Path:
    """bench/results.md: the serving section and, when present, the scale section."""
    parts = [BENCH_DIR / "serving.md", BENCH_DIR / "scale.md"]
    found = [p.read_text().strip() for p in parts if p.exists()]
    out = BENCH_DIR / "results.md"
    out.write_text("# Benchmark results (`make bench`)\n\n" + "\n\n".join(found) + "\n")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration of a round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per endpoint, the two servers loaded alternately")
    parser.add_argument("--runs", type=int, default=5, help="ingest repetitions")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--assemble-only", action="store_true")
    args = parser.parse_args()
    if args.assemble_only:
        print(f"written to {assemble()}")
        return 0
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (Debian: apt-get install wrk); the serving "
              "benchmark needs it", file=sys.stderr)
        return 2
    header = machine()
    serving = bench_serving(args.seconds, args.rounds)
    lines = [
        "## Serving against the framework's floor",
        "",
        f"Measured {header}; load average {os.getloadavg()[0]:.1f} at the end. The reader "
        "(`python -m app serve`, one worker) and a bare Starlette app returning the same bytes "
        "(`tests/bench/floor.py`), same interpreter and uvicorn settings, access log off in "
        f"both; `wrk -t1 -c{CONNECTIONS} -d{args.seconds}s` on loopback, {args.rounds} rounds "
        "per endpoint loading the two in turn, the median round of each shown. One run; the "
        "bundled article in a fresh SQLite library.",
        "",
        "Requests per second depend on how much of the shared CPU each server gets during "
        "its rounds; the last column is steadier: the CPU time each server process spent per "
        "request over all its rounds (`/proc/PID/stat`), and the floor's over the reader's "
        "(what the req/s ratio would be if both had the CPU to themselves). Start-up: each "
        f"server started {STARTS} times, bytecode compiled beforehand as on any installed "
        "server; the floor's start-up (Starlette and uvicorn alone) is shown beside the "
        "reader's.",
        "",
        *serving,
    ]
    if not args.skip_ingest:
        lines += ["", "## Ingest: extraction against plain spaCy", "", *bench_ingest(args.runs)]
    text = "\n".join(lines) + "\n"
    BENCH_DIR.mkdir(exist_ok=True)
    (BENCH_DIR / "serving.md").write_text(text)
    print("\n" + text)
    print(f"written to {BENCH_DIR / 'serving.md'} and {assemble()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
