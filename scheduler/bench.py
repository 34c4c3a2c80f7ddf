"""The publishing benchmark: `python -m scheduler.bench publish [--workers 2] [--faults]`.

Runs the real pipeline on Postgres + Redis: an X account connected through
the emulator's OAuth flow, posts created with `create_post` (through the
gate), real `flask --app wsgi worker` processes and the periodic
`flask --app wsgi scheduler`, the emulator as a separate process. Phases:

  baseline  N no-op RQ jobs due at one instant: what bare RQ drains per second
  steady    N posts due evenly over D seconds: lateness = arrival at the
            emulator minus the scheduled time (target p99 <= 1 s)
  burst     N posts due at one instant: posts per second while draining, and
            the ratio to the baseline (target >= 0.5)

then counts duplicates (the emulator: a post that reached it more than once)
and lost posts (the database: a target not published, failed or unconfirmed,
or marked published but absent at the emulator). `--faults` adds 30% 5xx,
10% 429 and 5% answers lost after the emulator stored the post, SIGKILLs the
worker running RQ's scheduler (its whole process tree, as a dead container;
restarted 2 s later) and flushes Redis mid-run; recovery is the restarted
worker and the reconciler of the periodic scheduler. Retry and
rate-limit waits are the production ones (real time), so a faults run takes
several minutes. Progress goes to stderr; the result is the last line of
stdout, as JSON.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from datetime import datetime, timedelta, timezone

from scheduler.bench_stack import (DEFAULT_POSTGRES_SERVER, DEFAULT_REDIS_SERVER, REDIRECT_URI, BenchStack,
                                   log)

FINAL_STATES = ("published", "failed", "unconfirmed")
FAULT_RULES = [
    {"action": "server_error", "network": "x", "endpoint": "publish", "probability": 0.30},
    {"action": "rate_limit", "network": "x", "endpoint": "publish", "probability": 0.10},
    {"action": "lost_after_commit", "network": "x", "endpoint": "publish", "probability": 0.05},
]

# Varied, harmless text: every post differs, so X's duplicate-content check never fires by accident.
_OPENERS = ["Good news", "Reminder", "This week", "Coming up", "Save the date", "Just announced", "Did you know",
            "Heads up", "Update", "Looking ahead"]
_PLACES = ["the library", "the sports centre", "the student union cafe", "the careers service", "the campus garden",
           "the music department", "the science museum", "the language centre", "the art gallery",
           "the chemistry labs", "the open air theatre", "the visitor centre"]
_EVENTS = ["opens late for revision", "hosts a free public talk", "runs a drop-in workshop", "welcomes new volunteers",
           "has fresh opening hours", "launches a reading challenge", "shows a new exhibition", "offers guided tours",
           "holds a family fun day", "starts a weekly quiz"]
_WHEN = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "this weekend", "next week",
         "all month", "every evening", "this spring"]
_ENDINGS = ["Everyone is welcome!", "See you there.", "Find out more on our website.", "Bring a friend!",
            "All ages welcome."]
_PARTS = (_OPENERS, _PLACES, _EVENTS, _WHEN, _ENDINGS)
TEXT_VARIANTS = math.prod(len(p) for p in _PARTS)


def post_text(number: int) -> str:
    """The number-th distinct post text (mixed radix over the phrase lists)."""
    if number >= TEXT_VARIANTS:
        raise ValueError(f"at most {TEXT_VARIANTS} distinct texts")
    words = []
    for part in _PARTS:
        number, index = divmod(number, len(part))
        words.append(part[index])
    opener, place, event, when, ending = words
    return f"{opener}: {place} {event} {when}. {ending}"


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _sleep_until(moment: float) -> None:
    while (left := moment - time.time()) > 0:
        time.sleep(min(left, 0.5))


# --- setup through the product's own services ---------------------------------------

def set_up_organisation(stack: BenchStack):
    """An admin, a team with an author, and the X account connected through the emulator's consent screen."""
    import secrets

    from platforms.emulator import EmulatorControl
    from scheduler import authz
    from scheduler.extensions import db
    from scheduler.services import accounts as account_service
    from scheduler.services import people

    admin = people.create_user(authz.SYSTEM, email="bench-admin@example.org", display_name="Bench Admin",
                               password=secrets.token_urlsafe(16), is_admin=True)
    author = people.create_user(authz.SYSTEM, email="bench-author@example.org", display_name="Bench Author",
                                password=secrets.token_urlsafe(16))
    team = people.create_team(authz.SYSTEM, name="Bench Comms")
    people.add_member(authz.SYSTEM, team, author, "member")
    intent = account_service.clean_intent("unit", "University news", team, False)
    authorize_url = account_service.start_connect(admin, "x", intent, REDIRECT_URI)
    db.session.commit()
    answer = EmulatorControl(stack.emulator_url).answer_consent(authorize_url)
    outcome = account_service.complete_connect(admin, "x", answer.params, REDIRECT_URI)
    db.session.commit()
    account = outcome.accounts[0]
    log(f"connected X account @{account.handle} through the emulator's OAuth flow")
    return author.id, team.id, account.id


def create_posts(ids, first_text: int, times: list[datetime], batch: int = 100) -> list[int]:
    """create_post for each time (gate included), committing in batches; returns target ids."""
    from scheduler.extensions import db
    from scheduler.models import PostState, SocialAccount, Team, User
    from scheduler.services.posts import create_post

    author_id, team_id, account_id = ids
    author, team = db.session.get(User, author_id), db.session.get(Team, team_id)
    account_id = db.session.get(SocialAccount, account_id).id
    target_ids, posts, overrun = [], [], 0.0
    for number, when in enumerate(times):
        overrun = max(overrun, time.time() - when.timestamp())
        post = create_post(author, team, text=post_text(first_text + number), targets=[{"account_id": account_id}],
                           scheduled_at=when)
        if post.state != PostState.scheduled:
            raise RuntimeError(f"the gate did not clear bench text {post.text!r}: {post.state.value}")
        posts.append(post)
        if len(posts) == batch or number == len(times) - 1:
            db.session.commit()  # jobs are enqueued after this commit
            target_ids.extend(p.targets[0].id for p in posts)
            posts = []
            db.session.expunge_all()
            author, team = db.session.get(User, author_id), db.session.get(Team, team_id)
    if overrun > 0:
        log(f"WARNING: a post was created {overrun:.1f}s after its due time; raise --lead")
    return target_ids


def _target_rows(target_ids: list[int]):
    from sqlalchemy import select

    from scheduler.extensions import db
    from scheduler.models import Post, PostTarget

    db.session.expire_all()
    rows = []
    for start in range(0, len(target_ids), 1000):
        chunk = target_ids[start:start + 1000]
        rows += db.session.execute(select(PostTarget.id, PostTarget.state, PostTarget.due_at, PostTarget.claimed_at,
                                          PostTarget.idempotency_key, Post.scheduled_at)
                                   .join(Post, Post.id == PostTarget.post_id).where(PostTarget.id.in_(chunk))).all()
    db.session.commit()
    return rows


def wait_until_drained(target_ids: list[int], *, final: bool, timeout: float, label: str) -> bool:
    """Until every target is final (final=True), or nothing is due or in flight any more (retries may wait)."""
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        rows = _target_rows(target_ids)
        now = datetime.now(timezone.utc)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.state.value] = counts.get(row.state.value, 0) + 1
        if final:
            busy = sum(1 for r in rows if r.state.value not in FINAL_STATES)
        else:
            busy = sum(1 for r in rows if r.state.value == "publishing"
                       or (r.state.value == "scheduled" and r.due_at <= now))
        if time.monotonic() - last_report > 10:
            log(f"{label}: {dict(sorted(counts.items()))}")
            last_report = time.monotonic()
        if busy == 0:
            return True
        if time.monotonic() > deadline:
            log(f"{label}: gave up waiting with {busy} not settled")
            return False
        time.sleep(0.5)


# --- phases -------------------------------------------------------------------------

def run_baseline(stack: BenchStack, posts: int) -> dict:
    """N no-op jobs due at one instant, through the same RQ scheduler and workers."""
    from rq import Queue
    from rq.job import Job

    from scheduler.bench_jobs import noop

    queue = Queue("default", connection=stack.redis)
    due = datetime.now(timezone.utc) + timedelta(seconds=2 + posts / 1000)
    ids = []
    with stack.redis.pipeline() as pipe:
        for _ in range(posts):
            ids.append(queue.enqueue_at(due, noop, pipeline=pipe).id)
        pipe.execute()
    log(f"baseline: {posts} no-op jobs due at {due:%H:%M:%S}")
    deadline = time.monotonic() + 120 + posts / 10
    while True:
        time.sleep(0.5)
        jobs = Job.fetch_many(ids, connection=stack.redis)
        done = [j for j in jobs if j is not None and j.get_status(refresh=False) == "finished"]
        if len(done) == posts:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"baseline: only {len(done)} of {posts} no-op jobs finished")
    end = max(j.ended_at.replace(tzinfo=timezone.utc) for j in done)
    seconds = (end - due).total_seconds()
    result = {"jobs": posts, "seconds": _r(seconds), "jobs_per_s": _r(posts / seconds, 1)}
    log(f"baseline: {result}")
    return result


def run_steady(stack: BenchStack, ids, posts: int, duration: float, first_text: int, lead: float,
               faults: bool) -> list[int]:
    start = datetime.now(timezone.utc) + timedelta(seconds=lead)
    times = [start + timedelta(seconds=duration * i / posts) for i in range(posts)]
    log(f"steady: creating {posts} posts due {start:%H:%M:%S} .. +{duration:g}s")
    began = time.time()
    target_ids = create_posts(ids, first_text, times)
    created = time.time()
    log(f"steady: created in {created - began:.1f}s ({posts / (created - began):.0f} posts/s)")
    if faults:
        t0 = start.timestamp()
        _sleep_until(t0 + 0.35 * duration)
        # The worst case: the worker whose tree also runs RQ's scheduler (due jobs wait on it).
        victim = stack.scheduler_holder()
        pids = stack.kill_worker(victim)
        log(f"faults: SIGKILLed worker{victim} (it ran RQ's scheduler) and its process tree {pids}")
        time.sleep(2)
        stack.start_worker(victim)
        log(f"faults: worker{victim} restarted")
        _sleep_until(t0 + 0.65 * duration)
        stack.redis.flushdb()
        log("faults: Redis db flushed (queues, scheduled jobs, locks)")
    _sleep_until(times[-1].timestamp())
    wait_until_drained(target_ids, final=False, timeout=600, label="steady")
    return target_ids


def run_burst(stack: BenchStack, ids, posts: int, first_text: int, lead: float) -> tuple[list[int], datetime]:
    due = datetime.now(timezone.utc) + timedelta(seconds=lead)
    log(f"burst: creating {posts} posts all due at {due:%H:%M:%S}")
    began = time.time()
    target_ids = create_posts(ids, first_text, [due] * posts)
    log(f"burst: created in {time.time() - began:.1f}s; due in {due.timestamp() - time.time():.1f}s")
    _sleep_until(due.timestamp())
    wait_until_drained(target_ids, final=False, timeout=600, label="burst")
    return target_ids, due


# --- results ------------------------------------------------------------------------

def first_attempt_end(target_ids: list[int]) -> dict[int, datetime]:
    from sqlalchemy import func, select

    from scheduler.extensions import db
    from scheduler.models import PublishAttempt

    ends = {}
    for start in range(0, len(target_ids), 1000):
        chunk = target_ids[start:start + 1000]
        ends.update(db.session.execute(select(PublishAttempt.target_id, func.min(PublishAttempt.finished_at))
                                       .where(PublishAttempt.target_id.in_(chunk))
                                       .group_by(PublishAttempt.target_id)).all())
    db.session.commit()
    return ends


def lateness(rows, arrivals: dict[str, float]) -> list[float]:
    return [arrivals[r.idempotency_key] - r.scheduled_at.timestamp() for r in rows if r.idempotency_key in arrivals]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scheduler.bench", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    publish = sub.add_parser("publish", help="benchmark the publishing pipeline end to end")
    publish.add_argument("--workers", type=int, default=2, help="RQ worker processes (default 2)")
    publish.add_argument("--posts", type=int, default=2000, help="posts per phase (default 2000)")
    publish.add_argument("--duration", type=float, default=100.0, help="seconds the steady posts are spread over")
    publish.add_argument("--faults", action="store_true",
                         help="5xx/429/lost answers, a worker SIGKILLed and Redis flushed mid-run")
    publish.add_argument("--seed", type=int, default=1, help="seed of the emulator's fault draws")
    publish.add_argument("--lead", type=float, default=None,
                         help="seconds between starting to create a phase's posts and the first due time")
    publish.add_argument("--settle-timeout", type=float, default=1800,
                         help="seconds to wait at the end for every post to reach a final state")
    publish.add_argument("--postgres-server", default=DEFAULT_POSTGRES_SERVER,
                         help="where to create the throwaway database when DATABASE_URL is not set")
    publish.add_argument("--redis-server", default=DEFAULT_REDIS_SERVER,
                         help="where to claim an empty Redis db number when REDIS_URL is not set")
    publish.add_argument("--keep-logs", action="store_true", help="keep worker/emulator logs (path on stderr)")
    args = parser.parse_args(argv)
    if args.posts * 2 > TEXT_VARIANTS:
        parser.error(f"--posts may be at most {TEXT_VARIANTS // 2}")
    lead = args.lead if args.lead is not None else 5 + args.posts / 25  # creation runs at ~30-80 posts/s

    stack = BenchStack(workers=args.workers, database_url=os.environ.get("DATABASE_URL") or None,
                       redis_url=os.environ.get("REDIS_URL") or None, postgres_server=args.postgres_server,
                       redis_server=args.redis_server, keep_logs=args.keep_logs)
    try:
        result = _run(stack, args, lead)
    except BaseException:
        stack.keep_logs = True
        raise
    finally:
        stack.close()
    print(json.dumps(result), flush=True)
    return 0


def _run(stack: BenchStack, args, lead: float) -> dict:
    from platforms.emulator import EmulatorControl
    from scheduler import create_app
    from scheduler.config import load_settings

    stack.start_emulator()
    stack.run_migrations()
    app = create_app(load_settings(stack.env))
    logging.getLogger("scheduler").setLevel(logging.WARNING)  # one line per enqueued job is noise here
    control = EmulatorControl(stack.emulator_url)
    with app.app_context():
        ids = set_up_organisation(stack)
        stack.start_workers()
        stack.start_periodic_scheduler()
        baseline = run_baseline(stack, args.posts)
        if args.faults:
            control.set_faults(FAULT_RULES, seed=args.seed)
            log(f"faults: {FAULT_RULES} (seed {args.seed})")
        steady_ids = run_steady(stack, ids, args.posts, args.duration, 0, lead, args.faults)
        burst_ids, burst_due = run_burst(stack, ids, args.posts, args.posts, lead)
        settled = wait_until_drained(steady_ids + burst_ids, final=True, timeout=args.settle_timeout, label="settle")
        control.clear_faults()

        publications = control.publications(network="x")
        arrivals = {p["idempotency_key"]: p["created_at"] for p in publications["publications"]}
        summary = publications["summary"]
        steady_rows, burst_rows = _target_rows(steady_ids), _target_rows(burst_ids)
        steady_late = lateness(steady_rows, arrivals)
        burst_late = lateness(burst_rows, arrivals)
        ends = first_attempt_end(burst_ids)
        drain_end = max(ends.values()) if len(ends) == len(burst_ids) else None
        burst_seconds = (drain_end - burst_due).total_seconds() if drain_end else None
        burst_rate = args.posts / burst_seconds if burst_seconds else None

        states: dict[str, int] = {}
        for row in steady_rows + burst_rows:
            states[row.state.value] = states.get(row.state.value, 0) + 1
        not_final = sum(n for s, n in states.items() if s not in FINAL_STATES)
        published_missing = sum(1 for r in steady_rows + burst_rows
                                if r.state.value == "published" and r.idempotency_key not in arrivals)
        duplicates = max(summary["repeated_arrivals_by_idempotency_key"], summary["duplicate_posts_by_idempotency_key"],
                         summary["duplicate_posts_by_content"])

    result = {
        "steady": {"posts": args.posts, "p50_s": _r(percentile(steady_late, 50)),
                   "p95_s": _r(percentile(steady_late, 95)), "p99_s": _r(percentile(steady_late, 99))},
        "burst": {"posts": args.posts, "posts_per_s": _r(burst_rate, 1), "baseline_jobs_per_s": baseline["jobs_per_s"],
                  "ratio": _r(burst_rate / baseline["jobs_per_s"]) if burst_rate else None,
                  "p99_s": _r(percentile(burst_late, 99))},
        "duplicates": duplicates,
        "lost": not_final + published_missing,
        "states": dict(sorted(states.items())),
        "settled": settled,
        "workers": args.workers,
        "steady_duration_s": args.duration,
        "emulator": {k: summary[k] for k in ("stored", "arrivals", "repeated_arrivals_by_idempotency_key",
                                             "duplicate_posts_by_idempotency_key", "duplicate_posts_by_content")},
    }
    if args.faults:
        result["faults"] = {"rules": "30% 5xx, 10% 429, 5% answer lost after commit", "seed": args.seed,
                            "worker_sigkilled": 1, "redis_flushed": 1,
                            "retry_delays": "production values (not scaled): backoff 30 s base, 429 waits "
                                            "for the emulator's reset (60 s)"}
    return result


if __name__ == "__main__":
    sys.exit(main())
