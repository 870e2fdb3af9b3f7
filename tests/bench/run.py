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
alternately endpoint by endpoint; absolute figures are for this run only.
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
    return Load(
        rps,
        float(p99[1]) * _UNITS[p99[2]] if p99 else float("nan"),
        (int(errors[1]) if errors else 0) + (int(socket_errors[1]) if socket_errors else 0),
    )


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


def alternate(ours_url: str, floor_url: str, seconds: int, rounds: int, gzip: bool
              ) -> tuple[Load, Load]:
    """Load the two servers in turn, ``rounds`` times each, so that what else the machine
    is doing weighs on both alike; the median round of each."""
    wrk(ours_url, 1, gzip)  # warm both
    wrk(floor_url, 1, gzip)
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(wrk(ours_url, seconds, gzip))
        bare.append(wrk(floor_url, seconds, gzip))
    return median_load(ours), median_load(bare)


def median_load(loads: list[Load]) -> Load:
    return Load(statistics.median(x.rps for x in loads),
                statistics.median(x.p99_ms for x in loads), sum(x.errors for x in loads))


def bench_serving(seconds: int, rounds: int) -> list[str]:
    directory = Path(tempfile.mkdtemp(prefix="bench-"))
    env = prepare_database(directory)
    port, floor_port = free_port(), free_port()
    base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
    started = time.perf_counter()
    # No ingest worker beside it: nothing is ingested, and its model load would take CPU.
    app = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)],
                           env={**env, "LOCAL_WORKER": "false"}, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = None
    try:
        wait_for(f"{base}/healthz")
        startup = time.perf_counter() - started
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
        floor = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.floor", str(floor_port)],
            env={**env, "FLOOR_SPEC": str(spec_file), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(f"{floor_base}/healthz")
        rows = [
            "| endpoint | gzip | bytes | floor req/s | reader req/s | ratio (target) | "
            "reader p99 ms (target) | floor p99 ms | met |",
            "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- |",
        ]
        for endpoint in targets:
            for gzip in (False, True):
                size = spec[endpoint.path]["sizes"][1 if gzip else 0]
                if gzip and spec[endpoint.path]["gzip"] is None:
                    continue  # under 1 KB: served as it is either way
                ours, bare = alternate(base + endpoint.path, floor_base + endpoint.path,
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
                    f"{mark(ok)} |"
                )
                print(rows[-1], flush=True)
        rss = rss_mib(app.pid)
        mapped = spacy_mapped(app.pid)
    finally:
        stop(app)
        if floor is not None:
            stop(floor)
        shutil.rmtree(directory, ignore_errors=True)
    rows += [
        "",
        "| reader process | measured | target | met |",
        "| --- | ---: | --- | --- |",
        f"| resident memory after the run (one worker) | {rss:.0f} MiB | "
        f"< {RSS_LIMIT_MIB} MiB | {mark(rss < RSS_LIMIT_MIB)} |",
        f"| start-up to first answer (`serve` to `/healthz` 200) | {startup:.2f} s | "
        f"< {STARTUP_LIMIT_S:.0f} s | {mark(startup < STARTUP_LIMIT_S)} |",
        f"| spaCy or thinc mapped in the server | {'yes' if mapped else 'no'} | no | "
        f"{mark(not mapped)} |",
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
        f"Measured {header}. The reader (`python -m app serve`, one worker) and a bare "
        "Starlette app returning the same bytes (`tests/bench/floor.py`), same interpreter "
        f"and uvicorn settings, access log off in both; `wrk -t1 -c{CONNECTIONS} "
        f"-d{args.seconds}s` on loopback, {args.rounds} rounds per endpoint loading the two "
        "in turn, the median round of each shown. One run; the bundled article in a fresh "
        "SQLite library.",
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
