@rem Activates this virtual environment in cmd.exe: run ENV\Scripts\activate.bat,
@rem and leave with deactivate. Written by fenv. Every line starts with @
@rem so that the caller's echo setting is left as it was.

@rem This file is UTF-8: read the rest of it with code page 65001, and put
@rem the user's code page back at the end. "tokens=2 delims=:." finds the
@rem number in any language's chcp output ("Active code page: 850.").
@for /f "tokens=2 delims=:." %%a in ('"%SystemRoot%\System32\chcp.com"') do @set "_OLD_CODEPAGE=%%a"
@if defined _OLD_CODEPAGE "%SystemRoot%\System32\chcp.com" 65001 > nul

@rem Leave any environment active now (this one or another) first.
@if defined _OLD_VIRTUAL_PROMPT set "PROMPT=%_OLD_VIRTUAL_PROMPT%"
@set "_OLD_VIRTUAL_PROMPT="
@if defined _OLD_VIRTUAL_PYTHONHOME set "PYTHONHOME=%_OLD_VIRTUAL_PYTHONHOME%"
@set "_OLD_VIRTUAL_PYTHONHOME="
@if defined _OLD_VIRTUAL_PATH set "PATH=%_OLD_VIRTUAL_PATH%"
@set "_OLD_VIRTUAL_PATH="

@set "VIRTUAL_ENV={{ VIRTUAL_ENV }}"
@set "VIRTUAL_ENV_PROMPT={{ PROMPT }}"

@rem Every use of a value stays inside quotes, where & ^ ( ) are plain text.
@set "_OLD_VIRTUAL_PATH=%PATH%"
@set "PATH=%VIRTUAL_ENV%\{{ BIN_NAME }};%PATH%"

@if defined PYTHONHOME set "_OLD_VIRTUAL_PYTHONHOME=%PYTHONHOME%"
@set "PYTHONHOME="

@if defined VIRTUAL_ENV_DISABLE_PROMPT goto :fenv_prompt_done
@if not defined PROMPT set "PROMPT=$P$G"
@set "_OLD_VIRTUAL_PROMPT=%PROMPT%"
@set "PROMPT=({{ PS1_CMD }}) %PROMPT%"
:fenv_prompt_done

@if defined _OLD_CODEPAGE "%SystemRoot%\System32\chcp.com" %_OLD_CODEPAGE% > nul
@set "_OLD_CODEPAGE="
