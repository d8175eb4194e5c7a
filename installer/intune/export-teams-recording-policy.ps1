<#
.SYNOPSIS
    Export the Teams recording settings that apply to council officers, for DeviceCheck.

.DESCRIPTION
    Teams recording and transcription are set by server-side policy that nothing on a
    laptop can read. This script reads the effective TeamsMeetingPolicy,
    TeamsCallingPolicy and TeamsComplianceRecordingPolicy for one user, for one group's
    assignment, or for the whole tenant (-OrgWide: the Global policies), and writes the
    attestation file teams-recording-policy.json that DeviceCheck's "recording-policy"
    check reads from the machine policy folder (C:\ProgramData\DeviceCheck on Windows).

    Needs the MicrosoftTeams module (Install-Module MicrosoftTeams) and a sign-in with the
    Teams Administrator or Global Reader role. Run it again whenever the policies change,
    and at least as often as the DeviceCheck policy's recording.attestation_max_age_days.
    Schema and deployment: docs/recording.md.

.EXAMPLE
    .\export-teams-recording-policy.ps1 -GroupId 6f0e8c7a-1b2c-4d5e-8f90-a1b2c3d4e5f6 -Label "Resident calls" -OutFile .\teams-recording-policy.json

.EXAMPLE
    .\export-teams-recording-policy.ps1 -UserPrincipalName officer@council.gov.uk
#>
[CmdletBinding(DefaultParameterSetName = 'Group')]
param(
    [Parameter(Mandatory = $true, ParameterSetName = 'User')]
    [string] $UserPrincipalName,

    [Parameter(Mandatory = $true, ParameterSetName = 'Group')]
    [string] $GroupId,

    [Parameter(Mandatory = $true, ParameterSetName = 'Tenant')]
    [switch] $OrgWide,

    # A label for IT's own records (written as display_name); no personal names please.
    [string] $Label,

    [string] $OutFile = (Join-Path $env:ProgramData 'DeviceCheck\teams-recording-policy.json'),

    # Reuse an existing Connect-MicrosoftTeams session (scheduled tasks, pipelines).
    [switch] $NoConnect
)

$ErrorActionPreference = 'Stop'
$SchemaVersion = 1
$Scope = $PSCmdlet.ParameterSetName  # User, Group or Tenant
Import-Module MicrosoftTeams
if (-not $NoConnect) { $null = Connect-MicrosoftTeams }

function Get-EffectivePolicyName([string] $PolicyType) {
    # No assignment returned means the tenant's Global (org-wide default) policy applies.
    $assignment = $null
    if ($Scope -eq 'User') {
        $assignment = Get-CsUserPolicyAssignment -Identity $UserPrincipalName -PolicyType $PolicyType |
            Select-Object -First 1
    } elseif ($Scope -eq 'Group') {
        $assignment = Get-CsGroupPolicyAssignment -GroupId $GroupId -PolicyType $PolicyType |
            Select-Object -First 1
    }
    if ($assignment -and $assignment.PolicyName) { return [string] $assignment.PolicyName }
    return 'Global'
}

$meetingName = Get-EffectivePolicyName 'TeamsMeetingPolicy'
$callingName = Get-EffectivePolicyName 'TeamsCallingPolicy'
$complianceName = Get-EffectivePolicyName 'TeamsComplianceRecordingPolicy'

$meeting = Get-CsTeamsMeetingPolicy -Identity $meetingName
$calling = Get-CsTeamsCallingPolicy -Identity $callingName

# A compliance recording policy records calls through a bot whatever the meeting policy
# says. It applies when the effective one exists, is enabled and has an application.
$compliance = Get-CsTeamsComplianceRecordingPolicy |
    Where-Object { $_.Identity -eq $complianceName -or $_.Identity -eq "Tag:$complianceName" } |
    Select-Object -First 1
$complianceApplies = $false
if ($compliance -and $compliance.Enabled) {
    $apps = @(Get-CsTeamsComplianceRecordingApplication |
        Where-Object { $_.Identity -like "$($compliance.Identity)/*" })
    $complianceApplies = $apps.Count -gt 0
}

switch ($Scope) {
    'User'   { $coversType = 'user';   $coversId = [string] (Get-CsOnlineUser -Identity $UserPrincipalName).Identity }
    'Group'  { $coversType = 'group';  $coversId = $GroupId }
    'Tenant' { $coversType = 'tenant'; $coversId = 'Global' }
}

$attestation = [ordered] @{
    'schema_version' = $SchemaVersion
    'tenant_id'      = [string] (Get-CsTenant).TenantId
    'covers'         = [ordered] @{
        'type'         = $coversType
        'id'           = $coversId
        'display_name' = $(if ($Label) { $Label } else { $null })
    }
    'exported_at'    = (Get-Date).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")
    'TeamsMeetingPolicy' = [ordered] @{
        'policy_name'         = $meetingName
        'AllowCloudRecording' = [bool] $meeting.AllowCloudRecording
        'AllowTranscription'  = [bool] $meeting.AllowTranscription
        'AutoRecording'       = [string] $meeting.AutoRecording
    }
    'TeamsCallingPolicy' = [ordered] @{
        'policy_name'                  = $callingName
        'AllowCloudRecordingForCalls'  = [bool] $calling.AllowCloudRecordingForCalls
        'AllowTranscriptionForCalling' = [bool] $calling.AllowTranscriptionForCalling
    }
    'TeamsComplianceRecordingPolicy' = [ordered] @{
        'applies'     = $complianceApplies
        'policy_name' = $(if ($compliance) { $complianceName } else { $null })
    }
}

$json = $attestation | ConvertTo-Json -Depth 4
$folder = Split-Path -Parent $OutFile
if ($folder -and -not (Test-Path $folder)) { $null = New-Item -ItemType Directory -Path $folder }
# UTF-8 without a byte-order mark (Out-File in Windows PowerShell 5.1 would add one).
[System.IO.File]::WriteAllText($OutFile, $json, (New-Object System.Text.UTF8Encoding $false))
Write-Output "Wrote $OutFile"
