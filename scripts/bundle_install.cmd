@echo off
rem 离线安装 graphaudit（不联网）/ Offline install of graphaudit on Windows:  install.cmd [VENV_DIR]
rem Creates a virtual environment (default %USERPROFILE%\graphaudit) and installs from wheels\ only.
setlocal
set "HERE=%~dp0"
set "VENV=%~1"
if "%VENV%"=="" set "VENV=%USERPROFILE%\graphaudit"
for /f "tokens=2 delims==" %%v in ('findstr /b "python=" "%HERE%BUNDLE"') do set "WANT=%%v"
if "%PYTHON%"=="" set "PYTHON=py -%WANT%"
%PYTHON% -m venv "%VENV%" || (echo error: Python %WANT% not found, set PYTHON & exit /b 1)
set PIP_DISABLE_PIP_VERSION_CHECK=1
"%VENV%\Scripts\python.exe" -m pip install -q --no-index --find-links "%HERE%wheels" --require-hashes -r "%HERE%requirements.txt" || exit /b 1
echo 完成 / done: "%VENV%\Scripts\graphaudit.exe" demo
