@echo off
rem A launcher whose server is started by a cmd.exe that exits at once: the server's parent is gone,
rem so no walk by parent pid reaches it; only the Job Object holds it. The launcher itself stays.
rem the notification pipe does not reach a process that start /b begins
set BACKEND_NOTIFY_FD=
cmd /d /c start "" /b "%FIXTURE_NODE%" "%~dp0backend.mjs"
"%FIXTURE_NODE%" -e "setInterval(() => {}, 1000)"
