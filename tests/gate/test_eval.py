"""The development corpus meets the targets from the issue; the corpus itself meets its brief."""
import json
from collections import Counter

from gate import CATEGORIES, default_policy
from gate.evaluation import evaluate_labelled

from .conftest import CORPUS, NOW


def test_corpus_is_large_varied_and_labelled_with_known_categories():
    posts = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(posts) >= 400
    assert len({p["id"] for p in posts}) == len(posts)
    assert len({p["text"] for p in posts}) >= len(posts) - 10  # media variants reuse a caption
    benign = [p for p in posts if not p["labels"]]
    assert len(benign) / len(posts) >= 0.40
    per_category = Counter(label for p in posts for label in p["labels"])
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 30


def test_corpus_meets_recall_and_false_positive_targets():
    report = evaluate_labelled(CORPUS, default_policy(), NOW)
    assert report["errors"] == []
    assert report["overall_recall"] >= 0.97, report["misses"]
    assert report["false_positive_rate"] <= 0.03, report["false_alarms"]
    for category, row in report["per_category"].items():
        assert row["recall"] >= 0.90, (category, row)
