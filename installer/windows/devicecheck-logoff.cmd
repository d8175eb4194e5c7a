@echo off
rem DeviceCheck: clear Teams meeting data when the officer logs off (Windows).
rem
rem Assign it as a Group Policy *logoff* script (User Configuration > Policies > Windows
rem Settings > Scripts (Logon/Logoff) > Logoff): Windows runs logoff scripts in the user's
rem context once the session is ending. Task Scheduler has no logoff trigger (its session
rem triggers are connect, disconnect, lock and unlock), so a scheduled task cannot do this.
rem The MSI installs this file as C:\Program Files\DeviceCheck\devicecheck-logoff.cmd;
rem docs\it-deployment.md ("Meeting data at session end and logon") has the steps.
rem
rem The clean is quiet and non-interactive and exits 0 when nothing was left behind; a Teams
rem client still running is asked to quit first (and is not started again). Group Policy
rem ignores the exit code; it is passed on for other callers.
setlocal
set "DC=%~dp0devicecheck.exe"
if not exist "%DC%" (
    rem Copied to NETLOGON: use the installed program. ProgramW6432 is the 64-bit Program
    rem Files folder even when a 32-bit host runs this script.
    if defined ProgramW6432 (set "DC=%ProgramW6432%\DeviceCheck\devicecheck.exe") else (set "DC=%ProgramFiles%\DeviceCheck\devicecheck.exe")
)
if not exist "%DC%" exit /b 0
"%DC%" clean --session-end
exit /b %ERRORLEVEL%
