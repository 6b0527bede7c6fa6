import json

from backend_lifecycle import CommandError, Commands

commands = Commands()


@commands.register("sum")
def total(payload):
    if not isinstance(payload, list):
        raise CommandError("sum expects a list", status=422)
    return sum(payload)


@commands.register("broken")
def broken(_payload):
    raise KeyError("defect")


def call(body):
    return commands.dispatch(json.dumps(body).encode() if not isinstance(body, bytes) else body)


def test_a_command_answers_its_result():
    assert call({"command": "sum", "payload": [1, 2, 3.5]}) == (200, {"result": 6.5})


def test_a_command_error_reaches_the_caller_as_its_own_message():
    assert call({"command": "sum", "payload": "x"}) == (422, {"error": "sum expects a list"})


def test_bad_requests_and_unknown_commands_are_answered_not_raised(capsys):
    assert call(b"not json") == (400, {"error": "the request body is not JSON"})
    assert call([1]) == (400, {"error": 'expected {"command": string, "payload": any}'})
    assert call({"command": "nope"}) == (404, {"error": "unknown command 'nope'"})
    assert call({"command": "broken"}) == (500, {"error": "command 'broken' failed: KeyError"})
    assert "KeyError: 'defect'" in capsys.readouterr().err


def test_a_name_is_registered_once():
    import pytest

    with pytest.raises(ValueError, match="command 'sum' is registered twice"):
        commands.register("sum")(total)
    assert commands.names == ("sum", "broken")


def test_a_result_that_is_not_json_is_a_clear_500_not_a_crash_of_the_server():
    local = Commands()

    @local.register("when")
    def when(_payload):
        return {"at": {1, 2}}  # a set: json.dumps cannot write it

    @local.register("nan")
    def nan(_payload):
        return float("nan")  # json.dumps would write NaN, which no JSON parser reads

    # the json module's own words follow the colon (newer Pythons add details at the end)
    status, body = local.dispatch(b'{"command": "when"}')
    assert status == 500
    assert body["error"].startswith("command 'when' returned a value that is not JSON: Object of type set is not JSON serializable")
    status, body = local.dispatch(b'{"command": "nan"}')
    assert status == 500
    assert body["error"].startswith("command 'nan' returned a value that is not JSON: Out of range float values are not JSON compliant")


def test_a_body_nested_too_deep_is_a_bad_request():
    assert call(b"[" * 100_000) == (400, {"error": "the request body is not JSON"})


def test_a_command_error_must_carry_an_error_status():
    import pytest

    for status in (200, 302, 99, 600):
        with pytest.raises(ValueError, match=f"CommandError status must be 400-599, got {status}"):
            CommandError("x", status=status)
