"""Publish text, link and image posts and delete them, on each network, through the emulator."""
import pytest

from platforms import Draft, Image, PlatformError

from .conftest import PNG_BYTES, connect, publishing_target

NETWORKS = ["x", "facebook", "linkedin"]


@pytest.fixture(params=NETWORKS)
def connected(request, make_platform, emulator):
    platform = make_platform(request.param)
    token, external_id = publishing_target(connect(platform, emulator))
    return platform, token, external_id


def stored(emulator, network):
    return emulator.publications(network)["publications"]


def test_publish_text_then_delete(connected, emulator):
    platform, token, external_id = connected
    result = platform.publish(token, external_id, Draft("Open day on Saturday."), idempotency_key="post-1")
    assert result.external_id and result.url.startswith("https://")
    [row] = stored(emulator, platform.name)
    assert row["id"] == result.external_id and row["rendered_text"] == "Open day on Saturday."
    assert row["idempotency_key"] == "post-1" and not row["deleted"]
    platform.delete(token, external_id, result.external_id)
    assert stored(emulator, platform.name)[0]["deleted"]
    platform.delete(token, external_id, result.external_id)  # already gone is not an error


def test_publish_with_a_link(connected, emulator):
    platform, token, external_id = connected
    platform.publish(token, external_id, Draft("Read the report", link="https://example.org/report"), idempotency_key="l")
    [row] = stored(emulator, platform.name)
    if platform.name == "x":
        assert row["text"] == "Read the report https://example.org/report"  # X has no link field
    else:
        assert row["link"] == "https://example.org/report"


def test_publish_with_images(connected, emulator):
    platform, token, external_id = connected
    images = (Image(PNG_BYTES, "image/png", "one.png", alt_text="a chart"), Image(PNG_BYTES[::-1], "image/png", "two.png"))
    result = platform.publish(token, external_id, Draft("Two pictures", images=images), idempotency_key="img")
    [row] = stored(emulator, platform.name)
    assert row["id"] == result.external_id and len(row["media"]) == 2


def test_x_uploads_large_images_in_several_chunks(make_platform, emulator):
    x = make_platform("x")
    token, user_id = publishing_target(connect(x, emulator))
    big = Image(b"\xff\xd8" + b"j" * (2 * 1024 * 1024 + 10), "image/jpeg", "big.jpg")
    assert x.publish(token, user_id, Draft("big picture", images=(big,)), idempotency_key="big").external_id


@pytest.mark.parametrize(
    "network, draft, code",
    [
        ("x", Draft("", images=()), "empty"),
        ("x", Draft("x", images=(Image(PNG_BYTES, "image/png"),) * 5), "too_many_images"),
        ("x", Draft("x", images=(Image(b"x" * (5 * 1024 * 1024 + 1), "image/png"),)), "image_too_large"),
        ("facebook", Draft("x", images=(Image(b"x" * (4 * 1024 * 1024 + 1), "image/jpeg"),)), "image_too_large"),
        ("facebook", Draft("x", images=(Image(PNG_BYTES, "image/bmp"),)), "image_type"),
        ("facebook", Draft("x" * 63207), "too_long"),
        ("linkedin", Draft("x" * 3001), "too_long"),
        ("linkedin", Draft("x", images=(Image(PNG_BYTES, "image/png"),) * 21), "too_many_images"),
    ],
)
def test_validation_problems(make_platform, network, draft, code):
    assert code in [p.code for p in make_platform(network).validate(draft)]


def test_linkedin_limit_counts_what_members_see_not_the_escapes(make_platform):
    assert make_platform("linkedin").validate(Draft("(" * 3000)) == []


def test_invalid_draft_is_refused_before_any_request(make_platform, emulator):
    x = make_platform("x")
    token, user_id = publishing_target(connect(x, emulator))
    with pytest.raises(PlatformError) as failure:
        x.publish(token, user_id, Draft("a" * 281), idempotency_key="k")
    assert failure.value.kind == "invalid" and "280" in failure.value.message
    assert emulator.publications("x")["summary"]["arrivals"] == 0
