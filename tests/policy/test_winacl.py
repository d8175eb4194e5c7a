"""The Windows ACL judgement over SDDL strings as GetNamedSecurityInfoW +
ConvertSecurityDescriptorToStringSecurityDescriptorW return them (shapes from Microsoft
Learn "Security Descriptor String Format" and a default ProgramData subfolder, whose
inherited entries let Users add files)."""

from __future__ import annotations

import pytest

from devicecheck.policy.winacl import sddl_problem

LOCKED = "O:BAG:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)"
INHERITED_PROGRAMDATA = ("O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;OICIIOID;GA;;;CO)"
                         "(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)")


def test_locked_down_file_is_fine() -> None:
    assert sddl_problem(LOCKED) is None


@pytest.mark.parametrize(("sddl", "why"), [
    ("O:S-1-5-21-1-2-3-1001G:SYD:(A;;FA;;;SY)", "owned by S-1-5-21-1-2-3-1001"),
    ("O:BAD:(A;;FA;;;SY)(A;;FW;;;WD)", "WD may write"),
    ("O:BAD:(A;;0x100116;;;AU)", "AU may write"),
    (INHERITED_PROGRAMDATA, "BU may write"),
    ("O:BAG:SY", "no access control list"),
    ("G:SY", "owner cannot be read"),
])
def test_writable_by_others_is_named(sddl: str, why: str) -> None:
    assert why in (sddl_problem(sddl) or "")


def test_deny_and_inherit_only_entries_do_not_count() -> None:
    assert sddl_problem("O:SYD:(D;;FA;;;WD)(A;OICIIO;GA;;;CO)(A;;FA;;;SY)") is None
