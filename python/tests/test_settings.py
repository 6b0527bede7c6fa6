import pytest

from backend_lifecycle import Settings, SettingsError


def test_reads_every_variable_the_supervisor_sets():
    env = {"BACKEND_PORT": "1733", "BACKEND_HOST": "::1", "BACKEND_API_KEY": "k", "BACKEND_INSTANCE_ID": "abc", "BACKEND_PARENT_PID": "42", "BACKEND_NOTIFY_FD": "3", "BACKEND_LISTEN_FD": "4"}
    assert Settings.from_env(env) == Settings(port=1733, host="::1", api_key="k", instance_id="abc", parent_pid=42, notify_fd=3, listen_fd=4)


def test_defaults_for_a_manual_run_with_only_a_port():
    assert Settings.from_env({"BACKEND_PORT": "8000"}) == Settings(port=8000)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "BACKEND_PORT is not set: start this backend through backend-lifecycle (or set BACKEND_PORT yourself for a manual run)"),
        ({"BACKEND_PORT": "80a"}, "BACKEND_PORT must be an integer, got '80a'"),
        ({"BACKEND_PORT": "70000"}, "BACKEND_PORT must be a port from 1 to 65535, got 70000"),
        ({"BACKEND_PORT": "0"}, "BACKEND_PORT must be a port from 1 to 65535, got 0"),
        ({"BACKEND_PORT": "1733", "BACKEND_NOTIFY_FD": "three"}, "BACKEND_NOTIFY_FD must be an integer, got 'three'"),
        ({"BACKEND_PORT": "1733", "BACKEND_PARENT_PID": "-1"}, "BACKEND_PARENT_PID must not be negative, got -1"),
        ({"BACKEND_PORT": "1733", "BACKEND_LISTEN_FD": "4x"}, "BACKEND_LISTEN_FD must be an integer, got '4x'"),
        # int() would take these: a port is plain ASCII digits, as the supervisor writes it
        ({"BACKEND_PORT": "1_733"}, "BACKEND_PORT must be an integer, got '1_733'"),
        ({"BACKEND_PORT": " 1733"}, "BACKEND_PORT must be an integer, got ' 1733'"),
        ({"BACKEND_PORT": "+1733"}, "BACKEND_PORT must be an integer, got '+1733'"),
        ({"BACKEND_PORT": "\u0661\u0667\u0663\u0663"}, "BACKEND_PORT must be an integer, got '\u0661\u0667\u0663\u0663'"),
    ],
)
def test_names_what_is_missing_or_malformed(env, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert str(raised.value) == message
