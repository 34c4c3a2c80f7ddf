"""`python -m gate check|explain|eval|bench` — the command-line contract from DESIGN.md."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path

from .engine import evaluate
from .model import EvaluationContext, Post
from .policy import Policy, PolicyError, default_policy, load_policy
from .posts_io import BadPostLine, post_from_json

logger = logging.getLogger(__name__)


def _policy(args) -> Policy:
    return load_policy(args.policy) if args.policy else default_policy()


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _error_line(post_id, policy: Policy, message: str, line_number: int) -> dict:
    # Fail closed: an unreadable post is never "clear".
    return {"id": post_id, "decision": "needs_approval", "policy_version": policy.version, "flags": [],
            "error": message, "line": line_number}


def check_line(raw: bytes, line_number: int, policy: Policy, now: datetime) -> dict:
    """One input line to one verdict line; never raises."""
    post_id = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error_line(None, policy, f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})", line_number)
    if not text.strip():
        return _error_line(None, policy, "empty line", line_number)
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return _error_line(None, policy, f"invalid JSON: {exc}", line_number)
    if isinstance(obj, dict):
        post_id = obj.get("id")
        if post_id is not None and not isinstance(post_id, (str, int)):
            post_id = str(post_id)
    try:
        post = post_from_json(obj, max_text_chars=policy.max_text_chars)
        channel = obj.get("channel") if isinstance(obj.get("channel"), dict) else None
        verdict = evaluate(post, policy, EvaluationContext(now=now, channel=channel))
    except BadPostLine as exc:
        return _error_line(post_id, policy, str(exc), line_number)
    except Exception as exc:  # one bad post must never stop the stream
        logger.exception("gate failed on line %d (id %r)", line_number, post_id)
        return _error_line(post_id, policy, f"internal error while checking: {type(exc).__name__}", line_number)
    return {"id": post_id, **verdict.to_dict()}


def command_check(args) -> int:
    policy = _policy(args)
    now = _now(args.now)
    out = sys.stdout.buffer
    for line_number, raw in enumerate(sys.stdin.buffer, start=1):
        raw = raw.rstrip(b"\r\n")
        out.write(_json_line(check_line(raw, line_number, policy, now)))
    out.flush()
    return 0


def _json_line(verdict: dict) -> bytes:
    """UTF-8 JSON; a lone surrogate in the input (valid JSON, invalid UTF-8) is written escaped."""
    try:
        return (json.dumps(verdict, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(verdict) + "\n").encode("ascii")


def render_explanation(text: str, verdict) -> str:
    """Human-readable verdict: each flag with its clause, and the text with the span marked."""
    lines = [f"decision: {verdict.decision}   (policy {verdict.policy_version})"]
    if not verdict.flags:
        lines.append("No guideline concerns found.")
    for number, flag in enumerate(verdict.flags, start=1):
        lines.append("")
        lines.append(f"[{number}] {flag.category} / {flag.rule}")
        lines.append(f"    why:    {flag.explanation}")
        lines.append(f"    clause: \u201c{flag.clause}\u201d")
        if flag.media_id is not None:
            lines.append(f"    media:  {flag.media_id} ({flag.excerpt})")
        elif flag.end > flag.start:
            lines.append(f"    span:   {flag.start}-{flag.end}")
            lines.append("    text:   " + _highlight(text, flag.start, flag.end))
        else:
            lines.append(f"    about:  the post's link {flag.excerpt}")
    return "\n".join(lines)


def _highlight(text: str, start: int, end: int, context: int = 50) -> str:
    before = text[max(0, start - context):start].replace("\n", " ")
    after = text[end:end + context].replace("\n", " ")
    marked = text[start:end].replace("\n", " ")
    prefix = "…" if start > context else ""
    suffix = "…" if end + context < len(text) else ""
    return f"{prefix}{before}>>>{marked}<<<{after}{suffix}"


def command_explain(args) -> int:
    policy = _policy(args)
    post = Post(args.text, link=args.link)
    verdict = evaluate(post, policy, EvaluationContext(now=_now(args.now)))
    print(render_explanation(args.text, verdict))
    return 0


def command_eval(args) -> int:
    from .evaluation import evaluate_labelled, render_report

    policy = _policy(args)
    report = evaluate_labelled(Path(args.labelled), policy, _now(args.now))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render_report(report))
    return 0


def command_bench(args) -> int:
    from .bench import run_benchmark

    result = run_benchmark(_policy(args), Path(args.corpus), posts=args.posts, seed=args.seed)
    print(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gate", description=__doc__)
    parser.add_argument("--policy", help="policy YAML file (default: the shipped policy)")
    parser.add_argument("--now", help="evaluate as of this UTC time (ISO 8601); decides embargoes")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, handler, help_text):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--policy", default=argparse.SUPPRESS, help="policy YAML file")
        command.add_argument("--now", default=argparse.SUPPRESS, help="evaluate as of this UTC time (ISO 8601)")
        command.set_defaults(handler=handler)
        return command

    add("check", command_check, "posts as JSON lines on stdin, verdicts as JSON lines on stdout")
    explain = add("explain", command_explain, "show the flags for one text, with the text highlighted")
    explain.add_argument("text")
    explain.add_argument("--link")
    evaluation = add("eval", command_eval, "precision/recall on a labelled JSONL file")
    evaluation.add_argument("labelled")
    evaluation.add_argument("--json", action="store_true", help="machine-readable report")
    bench = add("bench", command_bench, "throughput and latency of text checks on one core (JSON)")
    bench.add_argument("--corpus", default="tests/gate/corpus/dev.jsonl")
    bench.add_argument("--posts", type=int, default=20000)
    bench.add_argument("--seed", type=int, default=20160122)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except PolicyError as exc:
        print(f"policy error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
