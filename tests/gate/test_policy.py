"""The policy is data: loaded and validated with errors that name the line; versions are content hashes."""
from importlib import resources

import pytest

from gate import Post, PolicyError, PolicyHolder, default_policy, evaluate, load_policy, policy_from_text

DEFAULT_TEXT = resources.files("gate").joinpath("policies/default.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_default_policy_loads_and_has_a_content_hash_version():
    policy = default_policy()
    assert policy.version.startswith("sha256:") and len(policy.version) == len("sha256:") + 16
    assert evaluate(Post("hello"), policy).policy_version == policy.version


def test_any_edit_changes_the_version():
    edited = policy_from_text(DEFAULT_TEXT + "\n# a comment is an edit too\n")
    assert edited.version != default_policy().version


def test_invalid_yaml_names_the_line():
    broken = DEFAULT_TEXT.replace("  code_names: [", "  code_names: [[", 1)
    with pytest.raises(PolicyError, match=r"line \d+: not valid YAML"):
        policy_from_text(broken)


def test_unknown_setting_names_its_line():
    text = DEFAULT_TEXT.replace("  code_names:", "  code_nmaes:", 1)
    with pytest.raises(PolicyError) as error:
        policy_from_text(text)
    assert f"line {line_of(text, 'code_nmaes')}:" in str(error.value)
    assert "unknown setting" in str(error.value)


def test_bad_regex_names_its_line():
    text = DEFAULT_TEXT.replace("pattern: '\\b(?:AKIA|ASIA)", "pattern: '\\b(?:AKIA|ASIA", 1)
    with pytest.raises(PolicyError) as error:
        policy_from_text(text)
    assert f"line {line_of(text, '(?:AKIA|ASIA[0-9')}:" in str(error.value)
    assert "invalid regular expression" in str(error.value)


def test_bad_action_and_bad_embargo_date_name_their_lines():
    text = DEFAULT_TEXT.replace("  offensive: flag", "  offensive: block", 1)
    with pytest.raises(PolicyError, match=f"line {line_of(text, 'offensive: block')}: .*expected one of flag, off"):
        policy_from_text(text)
    text = DEFAULT_TEXT.replace("lift: 2027-03-01T09:00:00Z", "lift: next spring", 1)
    with pytest.raises(PolicyError, match=f"line {line_of(text, 'lift: next spring')}: .*expected a date"):
        policy_from_text(text)


def test_missing_section_is_reported():
    text = DEFAULT_TEXT.replace("reputation:\n  disparagement", "reputashun:\n  disparagement", 1)
    with pytest.raises(PolicyError, match="unknown setting"):
        policy_from_text(text)


def test_load_policy_from_a_file_prefixes_the_path(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(DEFAULT_TEXT.replace("  offensive: flag", "  offensive: nope", 1), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy\.yaml: line \d+"):
        load_policy(str(path))
    path.write_text(DEFAULT_TEXT, encoding="utf-8")
    assert load_policy(path).version == default_policy().version


def test_a_rejected_replacement_keeps_the_old_policy_in_force():
    holder = PolicyHolder(default_policy())
    with pytest.raises(PolicyError):
        holder.replace_from_text("clauses: [unclosed")
    assert holder.current is default_policy()


def test_action_off_disables_a_category():
    text = DEFAULT_TEXT.replace("  reputation: flag", "  reputation: off", 1)
    relaxed = policy_from_text(text)
    post = Post("Vote Labour on Thursday!")
    assert evaluate(post, default_policy()).decision == "needs_approval"
    assert evaluate(post, relaxed).decision == "clear"


def test_organisation_contact_details_come_from_the_policy():
    text = DEFAULT_TEXT.replace('"+44 1227 764000", ', "", 1).replace('"+44 1227 76", ', "", 1)
    stricter = policy_from_text(text)
    post = Post("Call us on +44 1227 764000")
    assert evaluate(post, default_policy()).decision == "clear"
    assert evaluate(post, stricter).decision == "needs_approval"


def test_organisation_number_ranges_are_allowed_but_other_numbers_are_not():
    assert evaluate(Post("Security team: 01227 823300"), default_policy()).decision == "clear"
    assert evaluate(Post("Call Jo on 01227 455123"), default_policy()).decision == "needs_approval"
