<#
.Synopsis
Activates a Python virtual environment for the current PowerShell session.

.Description
Puts the environment's scripts folder first in PATH, sets VIRTUAL_ENV and
VIRTUAL_ENV_PROMPT, unsets PYTHONHOME, and shows the environment's prompt
before the PowerShell prompt (unless VIRTUAL_ENV_DISABLE_PROMPT is set).
`deactivate` undoes all of it. The environment is the folder above this
script's folder, so the script keeps working when the folder is moved.

.Parameter VenvDir
The environment to activate; by default, the parent of this script's folder.

.Parameter Prompt
The prompt prefix to show, without parentheses; by default the one the
environment was created with.

.Example
Activate.ps1
Activates the environment this script belongs to.

.Notes
If scripts cannot run, allow them for this session:
    Set-ExecutionPolicy -ExecutionPolicy RemoteSigned -Scope Process
Written by fenv.
#>
Param(
    [Parameter(Mandatory = $false)]
    [String]
    $VenvDir,
    [Parameter(Mandatory = $false)]
    [String]
    $Prompt
)

function global:deactivate([Switch] $NonDestructive) {
    # Put back what activation saved.
    if (Test-Path -Path Function:_OLD_VIRTUAL_PROMPT) {
        Copy-Item -Path Function:_OLD_VIRTUAL_PROMPT -Destination Function:prompt
        Remove-Item -Path Function:_OLD_VIRTUAL_PROMPT
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PYTHONHOME) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME -Destination Env:PYTHONHOME
        Remove-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PATH) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PATH -Destination Env:PATH
        Remove-Item -Path Env:_OLD_VIRTUAL_PATH
    }
    if (Test-Path -Path Env:VIRTUAL_ENV) {
        Remove-Item -Path Env:VIRTUAL_ENV
    }
    if (Test-Path -Path Env:VIRTUAL_ENV_PROMPT) {
        Remove-Item -Path Env:VIRTUAL_ENV_PROMPT
    }
    if (Get-Variable -Name "_PYTHON_VENV_PROMPT_PREFIX" -Scope Global -ErrorAction SilentlyContinue) {
        Remove-Variable -Name _PYTHON_VENV_PROMPT_PREFIX -Scope Global -Force
    }
    if (-not $NonDestructive) {
        Remove-Item -Path Function:deactivate
    }
}

# Leave any environment active now (this one or another) first.
deactivate -NonDestructive

if (-not $VenvDir) {
    $VenvDir = Split-Path -Path $PSScriptRoot -Parent
}
$VenvDir = $VenvDir.TrimEnd([System.IO.Path]::DirectorySeparatorChar, [System.IO.Path]::AltDirectorySeparatorChar)
if (-not $Prompt) {
    $Prompt = {{ PROMPT }}
}
$VenvExecDir = Join-Path -Path $VenvDir -ChildPath {{ BIN_NAME }}

$env:VIRTUAL_ENV = $VenvDir
$env:VIRTUAL_ENV_PROMPT = $Prompt

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {
    # Wrap the current prompt function. The prefix is a variable, never
    # part of the code, so no prompt text can run.
    Copy-Item -Path Function:prompt -Destination Function:_OLD_VIRTUAL_PROMPT
    New-Variable -Name _PYTHON_VENV_PROMPT_PREFIX -Scope Global -Option ReadOnly -Force `
        -Description "Python virtual environment prompt prefix" -Value $Prompt
    function global:prompt {
        Write-Host -NoNewline -ForegroundColor Green "($_PYTHON_VENV_PROMPT_PREFIX) "
        _OLD_VIRTUAL_PROMPT
    }
}

if (Test-Path -Path Env:PYTHONHOME) {
    Copy-Item -Path Env:PYTHONHOME -Destination Env:_OLD_VIRTUAL_PYTHONHOME
    Remove-Item -Path Env:PYTHONHOME
}

Copy-Item -Path Env:PATH -Destination Env:_OLD_VIRTUAL_PATH
$env:PATH = "$VenvExecDir$([System.IO.Path]::PathSeparator)$env:PATH"
