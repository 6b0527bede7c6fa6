@echo off
rem A launcher that keeps its arguments in a variable first, then passes them on.
set ARGS=%*
"%FIXTURE_NODE%" "%~dp0backend.mjs" %ARGS%
