"""Throughput and per-post latency of the text checks, in this one process (so: one core)."""
from __future__ import annotations

import json
import platform
import random
import statistics
import time
from pathlib import Path

from .engine import evaluate
from .model import EvaluationContext, Post
from .policy import Policy

MIN_CHARS = 40
MAX_CHARS = 2000

# Used when the labelled corpus is not at hand (e.g. an installed package): a few realistic snippets.
_FALLBACK_TEXTS = (
    "Applications for our summer school close on Friday. Find out more at kent.ac.uk/summer.",
    "Congratulations to Dr Amara Okafor on her Royal Society fellowship!",
    "Call the switchboard on 01227 764000 or email information@kent.ac.uk.",
    "INTERNAL ONLY: draft NSS figures, not for circulation.",
    "What a shit day. You lot are idiots.",
    "Our confidential counselling service is free for all students.",
    "Found this on Google, no copyright intended.",
    "Vote Labour on Thursday!",
)


def _corpus_texts(corpus: Path) -> list[str]:
    if corpus.is_file():
        texts = []
        with corpus.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    text = json.loads(line).get("text")
                except (json.JSONDecodeError, AttributeError):
                    continue
                if isinstance(text, str) and text.strip():
                    texts.append(text)
        if texts:
            return texts
    return list(_FALLBACK_TEXTS)


def build_posts(texts: list[str], count: int, seed: int) -> list[str]:
    """Mixed posts of 40–2,000 characters: corpus posts, joined into threads when a longer one is wanted."""
    rng = random.Random(seed)
    posts = []
    for _ in range(count):
        # Log-uniform lengths: most posts are short, some are long threads or captions.
        target = int(MIN_CHARS * (MAX_CHARS / MIN_CHARS) ** rng.random())
        pieces = [rng.choice(texts)]
        while sum(len(p) + 1 for p in pieces) < target:
            pieces.append(rng.choice(texts))
        text = " ".join(pieces)[:MAX_CHARS]
        if len(text) < MIN_CHARS:
            text = (text + " " + rng.choice(texts))[:MAX_CHARS]
        posts.append(text)
    return posts


def run_benchmark(policy: Policy, corpus: Path, posts: int = 20000, seed: int = 20160122) -> dict:
    texts = build_posts(_corpus_texts(corpus), posts, seed)
    context = EvaluationContext()
    for text in texts[:200]:  # warm caches (regex compilation is already done at policy load)
        evaluate(Post(text), policy, context)
    latencies = []
    cpu_latencies = []
    flagged = 0
    clock = time.perf_counter
    cpu_clock = time.thread_time
    cpu_started = time.process_time()
    started = clock()
    for text in texts:
        before, cpu_before = clock(), cpu_clock()
        verdict = evaluate(Post(text), policy, context)
        latencies.append(clock() - before)
        cpu_latencies.append(cpu_clock() - cpu_before)
        flagged += bool(verdict.flags)
    elapsed = clock() - started
    # CPU time too: on a shared machine other processes stretch wall time but not this process's CPU time.
    cpu_elapsed = time.process_time() - cpu_started
    latencies.sort()
    cpu_latencies.sort()
    lengths = [len(t) for t in texts]

    def percentile(fraction: float, values: list[float] = latencies) -> float:
        return round(values[min(len(values) - 1, int(fraction * len(values)))] * 1000, 4)

    return {
        "posts": len(texts),
        "processes": 1,
        "seconds": round(elapsed, 3),
        "posts_per_second": round(len(texts) / elapsed, 1),
        "cpu_seconds": round(cpu_elapsed, 3),
        "posts_per_cpu_second": round(len(texts) / cpu_elapsed, 1),
        "latency_ms": {"p50": percentile(0.50), "p99": percentile(0.99), "max": round(latencies[-1] * 1000, 4),
                       "mean": round(statistics.fmean(latencies) * 1000, 4)},
        # Per-post CPU time: what the gate costs, without time lost to other processes on a busy machine.
        "cpu_latency_ms": {"p50": percentile(0.50, cpu_latencies), "p99": percentile(0.99, cpu_latencies)},
        "chars": {"min": min(lengths), "median": int(statistics.median(lengths)), "max": max(lengths),
                  "mean": round(statistics.fmean(lengths), 1)},
        "flagged_share": round(flagged / len(texts), 3),
        "corpus": str(corpus) if corpus.is_file() else "built-in sample",
        "policy_version": policy.version,
        "python": platform.python_version(),
    }
