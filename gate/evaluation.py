"""Measuring the gate on labelled posts: per-category precision and recall, overall recall and false alarms."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .engine import evaluate
from .model import CATEGORIES, EvaluationContext
from .policy import Policy
from .posts_io import BadPostLine, post_from_json


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def evaluate_labelled(path: Path, policy: Policy, now: datetime) -> dict:
    """Run the gate over {"id","text","labels"} lines; media paths are relative to the file."""
    context = EvaluationContext(now=now)
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in CATEGORIES}
    risky = risky_caught = benign = benign_flagged = 0
    misses, false_alarms, errors = [], [], []
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                labels = set(obj.get("labels") or [])
                unknown = labels - set(CATEGORIES)
                if unknown:
                    raise BadPostLine(f"unknown labels {sorted(unknown)}")
                post = post_from_json(obj, media_root=path.parent, max_text_chars=policy.max_text_chars)
            except (json.JSONDecodeError, BadPostLine, AttributeError) as exc:
                errors.append({"line": line_number, "error": str(exc)})
                continue
            verdict = evaluate(post, policy, context)
            found = set(verdict.categories)
            for category in CATEGORIES:
                if category in labels and category in found:
                    counts[category]["tp"] += 1
                elif category in found:
                    counts[category]["fp"] += 1
                elif category in labels:
                    counts[category]["fn"] += 1
            post_id = obj.get("id", f"line {line_number}")
            if labels:
                risky += 1
                risky_caught += verdict.decision == "needs_approval"
                if labels - found:
                    misses.append({"id": post_id, "missed": sorted(labels - found), "flagged": sorted(found),
                                   "text": post.text[:200]})
            else:
                benign += 1
                if verdict.flags:
                    benign_flagged += 1
                    false_alarms.append({"id": post_id, "flagged": sorted(found), "text": post.text[:200],
                                         "excerpts": [f"{f.category}/{f.rule}: {f.excerpt}" for f in verdict.flags]})
    per_category = {}
    for category, c in counts.items():
        per_category[category] = {
            "labelled": c["tp"] + c["fn"],
            "precision": _ratio(c["tp"], c["tp"] + c["fp"]),
            "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
            **c,
        }
    return {
        "file": str(path),
        "policy_version": policy.version,
        "posts": risky + benign,
        "risky_posts": risky,
        "benign_posts": benign,
        "overall_recall": _ratio(risky_caught, risky),
        "false_positive_rate": _ratio(benign_flagged, benign),
        "per_category": per_category,
        "misses": misses,
        "false_alarms": false_alarms,
        "errors": errors,
    }


def render_report(report: dict) -> str:
    def show(value):
        return "  n/a" if value is None else f"{value:.3f}"

    lines = [f"{report['file']}: {report['posts']} posts ({report['risky_posts']} risky, "
             f"{report['benign_posts']} benign), policy {report['policy_version']}", "",
             f"{'category':<16}{'labelled':>9}{'precision':>11}{'recall':>9}"]
    for category, row in report["per_category"].items():
        lines.append(f"{category:<16}{row['labelled']:>9}{show(row['precision']):>11}{show(row['recall']):>9}")
    lines += ["", f"overall recall on risky posts:       {show(report['overall_recall'])}",
              f"false-positive rate on benign posts: {show(report['false_positive_rate'])}"]
    if report["misses"]:
        lines += ["", f"misses ({len(report['misses'])}):"]
        lines += [f"  {m['id']}: missed {', '.join(m['missed'])} — {m['text']!r}" for m in report["misses"]]
    if report["false_alarms"]:
        lines += ["", f"false alarms on benign posts ({len(report['false_alarms'])}):"]
        for alarm in report["false_alarms"]:
            lines.append(f"  {alarm['id']}: {'; '.join(alarm['excerpts'])} — {alarm['text']!r}")
    if report["errors"]:
        lines += ["", f"unreadable lines ({len(report['errors'])}):"]
        lines += [f"  line {e['line']}: {e['error']}" for e in report["errors"]]
    return "\n".join(lines)
