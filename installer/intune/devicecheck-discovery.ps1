<#
.SYNOPSIS
  Intune custom-compliance discovery script for DeviceCheck.

.DESCRIPTION
  Runs `devicecheck check --format intune` and writes the one flat JSON object it prints
  (SchemaVersion, Overall, Ready, PolicyErrors, BlockingCount, AttentionCount and one
  setting per check, e.g. WorkDevice = "pass") to stdout, compressed to a single line as
  Intune requires. installer/intune/devicecheck-compliance-rules.json judges it.

  Intune runs this as SYSTEM in 64-bit PowerShell. `check` exits 1 when the laptop is not
  ready: that is a result, not a script failure, so the JSON is passed on either way. When
  DeviceCheck is missing or prints nothing usable, an object that fails every rule is
  returned instead, so the device shows as non-compliant rather than as an error.
#>
$ErrorActionPreference = 'Stop'

$exe = Join-Path $env:ProgramFiles 'DeviceCheck\devicecheck.exe'

function Write-Fallback([string]$overall) {
    $hash = [ordered]@{
        SchemaVersion  = 0
        Overall        = $overall
        Ready          = $false
        PolicyErrors   = 0
        BlockingCount  = 1
        AttentionCount = 0
    }
    return $hash | ConvertTo-Json -Compress
}

if (-not (Test-Path -LiteralPath $exe)) {
    return Write-Fallback 'not_installed'
}

try {
    # The console build writes UTF-8 JSON on one line; read it as UTF-8.
    [Console]::OutputEncoding = [System.Text.Encoding]::UTF8
    $lines = & $exe check --format intune 2>$null
    $json = ($lines | Where-Object { $_ -match '^\s*\{' } | Select-Object -Last 1)
    if (-not $json) { return Write-Fallback 'no_output' }
    $parsed = $json | ConvertFrom-Json   # throws if it is not JSON
    return $parsed | ConvertTo-Json -Compress
}
catch {
    return Write-Fallback 'error'
}
