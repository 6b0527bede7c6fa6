@echo off
rem A launcher script, like the .cmd shims of venvs and npm: Node cannot spawn it without cmd.exe.
"%FIXTURE_NODE%" "%~dp0backend.mjs" %*
