@rem Leaves the virtual environment activated by activate.bat. Written by
@rem fenv. Every line starts with @ so that the echo setting is kept.
@if defined _OLD_VIRTUAL_PROMPT set "PROMPT=%_OLD_VIRTUAL_PROMPT%"
@set "_OLD_VIRTUAL_PROMPT="
@if defined _OLD_VIRTUAL_PYTHONHOME set "PYTHONHOME=%_OLD_VIRTUAL_PYTHONHOME%"
@set "_OLD_VIRTUAL_PYTHONHOME="
@if defined _OLD_VIRTUAL_PATH set "PATH=%_OLD_VIRTUAL_PATH%"
@set "_OLD_VIRTUAL_PATH="
@set "VIRTUAL_ENV="
@set "VIRTUAL_ENV_PROMPT="
