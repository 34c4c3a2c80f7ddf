"""The command-line contract from DESIGN.md: check, explain, eval, bench — and no crash on bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import CORPUS

ROOT = Path(__file__).resolve().parents[2]


def run_gate(*args, stdin: bytes = b"") -> subprocess.CompletedProcess:
    # Strict UTF-8 output, as on most servers: a lone surrogate must not crash the writer.
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    return subprocess.run([sys.executable, "-m", "gate", *args], input=stdin, capture_output=True, cwd=ROOT,
                          timeout=120, env=env)


def test_check_answers_every_line_in_order_even_bad_ones():
    lines = [
        json.dumps({"id": "ok-1", "text": "Open Day is this Saturday!"}),
        json.dumps({"id": "risky-1", "text": "INTERNAL ONLY: call Jo on 07700 900461", "channel": {"name": "x"}}),
        "{not json",
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "wrong-type", "text": 42}),
        json.dumps({"id": "huge", "text": "a" * 200_000}),
        json.dumps({"id": "odd-unicode", "text": "\ud800 lone surrogate, \u202e bidi, 🏳️‍🌈, e\u0301, ﬁ"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "bad-media", "text": "hi", "media": "nope"}),
        json.dumps({"id": 7, "text": "numeric ids are echoed", "media": [{"path": "/no/such/file.jpg"}]}),
        "",
        json.dumps({"id": "nul", "text": "a\x00b"}),  # a database cannot store NUL: refused, not dropped
        json.dumps({"id": "surrogate-\ud800"}),  # valid JSON, not valid UTF-8 once decoded
        json.dumps({"id": "last", "text": "Thank you for coming!"}),
    ]
    stdin = ("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe not utf-8\n"
    result = run_gate("check", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(out) == len(lines) + 1
    assert [o["id"] for o in out] == ["ok-1", "risky-1", None, "no-text", "wrong-type", "huge", "odd-unicode",
                                      None, "bad-media", 7, None, "nul", "surrogate-\ud800", "last", None]
    assert out[0]["decision"] == "clear" and out[0]["flags"] == []
    assert out[1]["decision"] == "needs_approval"
    assert {f["category"] for f in out[1]["flags"]} == {"confidential", "personal_data"}
    for flag in out[1]["flags"]:
        assert set(flag) == {"category", "rule", "clause", "start", "end", "excerpt", "explanation"}
    for index in (2, 3, 4, 5, 7, 8, 10, 11, 12, 14):
        assert out[index]["error"] and out[index]["decision"] == "needs_approval", out[index]
    assert "error" not in out[6] and "error" not in out[13]
    assert [f["rule"] for f in out[9]["flags"]] == ["media_unreadable"]
    assert len({o["policy_version"] for o in out}) == 1


def test_check_with_a_bad_policy_file_fails_with_the_line(tmp_path):
    policy = tmp_path / "bad.yaml"
    policy.write_text("policy:\n  name: x\nclauses: [\n", encoding="utf-8")
    result = run_gate("check", "--policy", str(policy), stdin=b'{"id":"a","text":"hi"}\n')
    assert result.returncode == 2
    assert "line" in result.stderr.decode() and result.stdout == b""


def test_explain_shows_clause_span_and_highlight():
    result = run_gate("explain", "Honestly @sam_p you are an idiot, ring me on 07700 900461")
    text = result.stdout.decode("utf-8")
    assert result.returncode == 0
    assert "harassment / insult_at_reader" in text and "personal_data / phone_number" in text
    assert "clause: “Staff should avoid publishing material" in text
    assert ">>>idiot<<<" in text and ">>>07700 900461<<<" in text
    assert "span:" in text


def test_eval_prints_the_metrics():
    result = run_gate("eval", str(CORPUS))
    text = result.stdout.decode("utf-8")
    assert result.returncode == 0
    for needle in ("precision", "recall", "overall recall on risky posts", "false-positive rate on benign posts"):
        assert needle in text


def test_bench_reports_throughput_and_latency_as_json():
    result = run_gate("bench", "--posts", "300")
    report = json.loads(result.stdout)
    assert report["posts"] == 300 and report["processes"] == 1
    assert report["posts_per_second"] > 0
    assert set(report["latency_ms"]) >= {"p50", "p99"}
    assert 40 <= report["chars"]["min"] and report["chars"]["max"] <= 2000
