"""Benchmarks: ingest and serving, written as a Markdown table (``make bench``).

Absolute times drift on shared machines, so each row also gives a ratio measured in the same
run: extraction against plain spaCy on the same text, and each page against ``/healthz``.
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

from app.settings import BUNDLED_ARTICLE  # noqa: E402


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_ingest(runs: int) -> list[tuple[str, float, str]]:
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
        ("load pipeline (spaCy + ruler)", load_ms, ""),
        ("plain spaCy on the article", plain_ms, "1.00x"),
        ("extract() on the article", ours_ms, f"{ours_ms / plain_ms:.2f}x plain spaCy"),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_serving(requests: int) -> list[tuple[str, float, str]]:
    tmp = tempfile.mkdtemp()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
    py = sys.executable
    subprocess.run([py, "-m", "app", "migrate"], env=env, check=True, cwd=ROOT)
    subprocess.run([py, "-m", "app", "ingest-default"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([py, "-m", "app", "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        urls = ["/healthz", "/articles/ramadi", "/api/articles/ramadi/entities",
                "/api/articles/ramadi/quotes", "/articles/ramadi/quotes"]
        results = {
            u: median_ms(lambda u=u: urllib.request.urlopen(base + u).read(), requests)
            for u in urls
        }
        rss_kb = int(Path(f"/proc/{server.pid}/status").read_text().split("VmRSS:")[1].split()[0])
    finally:
        server.terminate()
        server.wait()
    rows = [
        (f"GET {u}", ms, f"{ms / results['/healthz']:.1f}x /healthz") for u, ms in results.items()
    ]
    rows.append(("server RSS after the run (MiB)", rss_kb / 1024, "no spaCy in the server"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench.md")
    args = parser.parse_args()
    rows = bench_ingest(args.runs) + bench_serving(args.requests)
    lines = ["| what | median (ms, or MiB) | ratio in this run |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value:.1f} | {ratio} |" for name, value, ratio in rows]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"\npeak RSS of the benchmark process: {peak_mib:.0f} MiB")
    table = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table + "\n")
    print(table)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
