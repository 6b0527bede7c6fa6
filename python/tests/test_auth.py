import pytest

from backend_lifecycle import AuthConfig


def test_accepts_the_api_auth_shape_of_minecontext_config():
    auth = AuthConfig.from_config({"enabled": True, "api_keys": ["a", "b"], "excluded_paths": ["/static/*", "/"]}, api_key="supervisor")
    assert auth.api_keys == ("supervisor", "a", "b")
    assert auth.allows("/api/items", "b")
    assert auth.allows("/api/items", "supervisor")
    assert not auth.allows("/api/items", "c")
    assert not auth.allows("/api/items", None)


def test_health_is_always_excluded_and_globs_work():
    auth = AuthConfig.from_config({"excluded_paths": ["/static/*"]}, api_key="k")
    assert auth.allows("/api/health", None)
    assert auth.allows("/health", None)
    assert auth.allows("/static/app.js", None)
    assert not auth.allows("/staticx", None)


def test_a_path_that_climbs_out_of_an_excluded_folder_needs_the_key():
    # "*" matches "/" too: without this, /static/../api/items would pass wherever a handler normalizes paths
    auth = AuthConfig.from_config({"excluded_paths": ["/static/*"]}, api_key="k")
    for path in ("/static/../api/items", "/static/%2e%2e/api/items", "/static/%2E%2E%2Fapi/items", "/static/..\\api\\items", "/static/./x", "/api/health/../items"):
        assert not auth.allows(path, None), path
        assert auth.allows(path, "k"), path
    assert auth.allows("/static/app..js", None)


def test_the_query_key_only_by_explicit_opt_in():
    strict = AuthConfig.from_config(api_key="k")
    assert not strict.allows("/api/items", None, "api_key=k")
    lax = AuthConfig.from_config({"allow_query_key": True}, api_key="k")
    assert lax.allows("/api/items", None, "api_key=k")
    assert not lax.allows("/api/items", None, "api_key=x")


def test_disabled_auth_lets_everything_pass_and_unknown_settings_are_refused():
    assert AuthConfig.from_config({"enabled": False}).allows("/api/items", None)
    with pytest.raises(ValueError, match=r"api_auth: unknown setting\(s\) api_key"):
        AuthConfig.from_config({"api_key": "singular by mistake"})


def test_enabled_without_any_key_refuses_all_but_excluded_paths():
    auth = AuthConfig.from_config()
    assert not auth.allows("/api/items", "")
    assert auth.allows("/api/health", None)


def test_cors_for_configured_origins_only():
    auth = AuthConfig.from_config(api_key="k", cors_origins=("http://localhost:5173",))
    assert list(auth.cors_headers("http://localhost:5173")) == [("Access-Control-Allow-Origin", "http://localhost:5173"), ("Vary", "Origin")]
    assert list(auth.cors_headers("null")) == []
    assert auth.preflight_headers("https://evil.example") is None
    assert ("Access-Control-Allow-Headers", "X-API-Key, Content-Type") in auth.preflight_headers("http://localhost:5173")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        # a string where a list belongs would become one key (or pattern) per character:
        # "*" among them would open every path, "s" would be a valid key
        ({"api_keys": "secret"}, "api_auth.api_keys must be a list of non-empty strings, got 'secret'"),
        ({"api_keys": ["good", ""]}, "api_auth.api_keys must be a list of non-empty strings, got ['good', '']"),
        ({"api_keys": [123]}, "api_auth.api_keys must be a list of non-empty strings, got [123]"),
        ({"excluded_paths": "/static/*"}, "api_auth.excluded_paths must be a list of non-empty strings, got '/static/*'"),
        ({"cors_origins": "https://app.example"}, "api_auth.cors_origins must be a list of non-empty strings, got 'https://app.example'"),
        # bool("false") is True: a quoted YAML value must not turn the query key on, or auth off
        ({"allow_query_key": "no"}, "api_auth.allow_query_key must be true or false, got 'no'"),
        ({"enabled": "false"}, "api_auth.enabled must be true or false, got 'false'"),
    ],
)
def test_settings_of_the_wrong_type_are_refused_not_coerced(section, message):
    with pytest.raises(ValueError) as raised:
        AuthConfig.from_config(section, api_key="k")
    assert str(raised.value) == message


def test_an_empty_yaml_list_is_no_entries():
    auth = AuthConfig.from_config({"api_keys": None, "excluded_paths": None}, api_key="k")
    assert auth.api_keys == ("k",)
    assert not auth.allows("/api/items", None)
