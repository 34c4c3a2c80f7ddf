import pytest

from platforms import PLATFORMS, PlatformConfig, PlatformError, TokenSet, config_from_environ, get_platform


def test_config_from_environ_uses_real_network_defaults():
    config = config_from_environ("x", {"GATEPOST_X_CLIENT_ID": "cid", "GATEPOST_X_CLIENT_SECRET": "shh"})
    assert (config.auth_base, config.api_base, config.upload_base) == ("https://x.com", "https://api.x.com", "https://api.x.com")
    facebook = config_from_environ("facebook", {"GATEPOST_FACEBOOK_CLIENT_ID": "1", "GATEPOST_FACEBOOK_CLIENT_SECRET": "s"})
    assert facebook.api_base == "https://graph.facebook.com" and facebook.api_version.startswith("v")
    linkedin = config_from_environ("linkedin", {"GATEPOST_LINKEDIN_CLIENT_ID": "1", "GATEPOST_LINKEDIN_CLIENT_SECRET": "s"})
    assert linkedin.auth_base == "https://www.linkedin.com" and linkedin.api_base == "https://api.linkedin.com"


def test_config_from_environ_overrides_bases_and_timeouts():
    config = config_from_environ(
        "linkedin",
        {
            "GATEPOST_LINKEDIN_CLIENT_ID": "cid",
            "GATEPOST_LINKEDIN_CLIENT_SECRET": "shh",
            "GATEPOST_LINKEDIN_API_BASE": "http://127.0.0.1:5050/linkedin/",
            "GATEPOST_LINKEDIN_AUTH_BASE": "http://127.0.0.1:5050/linkedin",
            "GATEPOST_LINKEDIN_READ_TIMEOUT": "7.5",
        },
    )
    assert config.api_base == "http://127.0.0.1:5050/linkedin"
    assert config.upload_base == "http://127.0.0.1:5050/linkedin"
    assert config.timeout == (5.0, 7.5)


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({}, "GATEPOST_X_CLIENT_ID"),
        ({"GATEPOST_X_CLIENT_ID": "a"}, "GATEPOST_X_CLIENT_SECRET"),
        ({"GATEPOST_X_CLIENT_ID": "a", "GATEPOST_X_CLIENT_SECRET": "b", "GATEPOST_X_CONNECT_TIMEOUT": "soon"}, "GATEPOST_X_CONNECT_TIMEOUT"),
        ({"GATEPOST_X_CLIENT_ID": "a", "GATEPOST_X_CLIENT_SECRET": "b", "GATEPOST_X_API_BASE": "api.x.com"}, "GATEPOST_X_API_BASE"),
    ],
)
def test_bad_environment_names_the_variable(environ, variable):
    with pytest.raises(ValueError, match=variable):
        config_from_environ("x", environ)


def test_registry_knows_the_three_networks_and_rejects_others():
    assert set(PLATFORMS) == {"x", "facebook", "linkedin"}
    config = PlatformConfig("x", "id", "secret", "https://x.com", "https://api.x.com", "https://api.x.com")
    assert get_platform("x", config).name == "x"
    with pytest.raises(ValueError, match="unknown platform"):
        get_platform("myspace", config)


def test_secrets_never_appear_in_reprs():
    token = TokenSet(access_token="ACCESS-SECRET", refresh_token="REFRESH-SECRET", scope="tweet.read")
    config = PlatformConfig("x", "id", "CLIENT-SECRET", "https://x.com", "https://api.x.com", "https://api.x.com")
    text = " ".join([repr(token), str(token), repr(config), repr(get_platform("x", config))])
    for secret in ("ACCESS-SECRET", "REFRESH-SECRET", "CLIENT-SECRET"):
        assert secret not in text


def test_platform_error_only_accepts_the_six_kinds():
    assert PlatformError("rate_limited", "slow down", retry_after_seconds=5).retry_after_seconds == 5
    with pytest.raises(ValueError):
        PlatformError("oops", "not a kind")
