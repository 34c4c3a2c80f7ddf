"""LinkedIn's little-text format: reserved characters must be escaped or the text is cut."""
import requests

from platforms import Draft
from platforms.linkedin import escape_little_text

from .conftest import connect, publishing_target

RESERVED_TEXT = r"Results (final) [v2] {draft} <soon> @team | a~b my_file *star* #tag back\slash"


def test_escape_marks_every_reserved_character():
    assert escape_little_text("a(b)c") == r"a\(b\)c"
    assert escape_little_text("\\") == "\\\\"
    assert escape_little_text("plain text, 100% fine!") == "plain text, 100% fine!"


def test_escaped_commentary_survives_unchanged(make_platform, emulator):
    linkedin = make_platform("linkedin")
    token, org = publishing_target(connect(linkedin, emulator))
    linkedin.publish(token, org, Draft(RESERVED_TEXT), idempotency_key="little")
    [row] = emulator.publications("linkedin")["publications"]
    assert row["rendered_text"] == RESERVED_TEXT
    assert row["text"] == escape_little_text(RESERVED_TEXT)


def test_the_emulator_reproduces_silent_truncation_of_unescaped_text(make_platform, emulator, emulator_server):
    token, org = publishing_target(connect(make_platform("linkedin"), emulator))
    response = requests.post(
        f"{emulator_server.base_url}/linkedin/rest/posts",
        json={
            "author": f"urn:li:organization:{org}", "commentary": "Results (final) are in",
            "visibility": "PUBLIC", "distribution": {"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED",
        },
        headers={"Authorization": f"Bearer {token.access_token}", "LinkedIn-Version": "202601",
                 "X-Restli-Protocol-Version": "2.0.0"},
        timeout=5,
    )
    assert response.status_code == 201 and response.headers["x-restli-id"].startswith("urn:li:share:")
    assert response.content == b""
    [row] = emulator.publications("linkedin")["publications"]
    assert row["rendered_text"] == "Results "
