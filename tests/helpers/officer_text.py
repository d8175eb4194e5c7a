"""What officer text may not carry (issue 19), for every window's tests.

``widget_strings(root)`` collects what an officer sees or hears under a widget: window
title, texts, accessible names and descriptions, tool tips, text browsers and tree rows of
every widget visible to ``root``. The one door for IT is cut off: text after "For IT",
and anything inside a widget whose object name starts with ``itDetails`` (the report's
expandable IT section, "Copy report for IT").

``jargon(text)`` lists the technical words found: internal check ids, file names,
setting keys, commands, hashes, raw evidence, and the words officers found opaque in the
walk that filed issue 19 ("native", "advisory", "item(s)", "machine marker", LUKS…).
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QTreeWidget,
    QWidget,
)

from devicecheck.checks.registry import CHECKS

HYPHEN_IDS = [c.id for c in CHECKS if "-" in c.id]
FILE_OR_KEY = re.compile(r"\.(ps1|json|toml|sig|plist|exe|msi|sh|log|jsonl)\b"
                         r"|\b[a-z]+_[a-z_]+\b|\bpolicy\b")
JARGON = re.compile(
    r"\b(sudo|systemctl|ufw|nft|nftables|firewalld|dsregcmd|powershell|pactl|fdesetup"
    r"|manage-bde|luks|native|advisory|vda|sda|nvme0n1)\b"
    r"|item\(s\)|machine marker|signals:|\b[0-9a-f]{10,}\b|`"
    # Our own commands and options, settings URIs, registry hives, cmdlets and the other
    # tools a remedy once named (issue 19: they are IT's detail, Remediation.it_detail).
    r"|\bdevicecheck (?:clean|check|policy|watch|log|notice|precall)\b|(?<![\w-])--[a-z]"
    r"|\bms-settings:|\bx-apple\.|\bHK(?:CU|LM)\b|\b(?:lsblk|socketfilterfw|gsettings"
    r"|kscreenlockerrc|realm join|dm-crypt)\b|\borganisation\.\w+", re.IGNORECASE)
#: PowerShell cmdlets (Verb-Noun, capitalised: "Get-MpComputerStatus"); case matters here,
#: so "sign-in" or "real-time" are not taken for one.
CMDLET = re.compile(r"\b(?:Get|Set|Update|Resume|Enable|Disable|Start|Stop)-[A-Z][A-Za-z]+\b")


def _cut(text: str) -> str:
    return text.split("For IT", 1)[0]


def _in_it_door(widget: QWidget, root: QWidget) -> bool:
    w: QWidget | None = widget
    while w is not None and w is not root:
        if w.objectName().startswith("itDetails"):
            return True
        w = w.parentWidget()
    return False


def widget_strings(root: QWidget) -> list[str]:
    """Texts, accessible names and descriptions and tool tips of ``root`` and every widget
    visible to it, IT's door left out."""
    out = [root.windowTitle(), root.accessibleName(), root.accessibleDescription()]
    if isinstance(root, QMessageBox):
        out.extend((root.text(), root.informativeText()))
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or _in_it_door(w, root):
            continue
        out.extend((w.accessibleName(), w.accessibleDescription(), w.toolTip()))
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QGroupBox):
            out.append(w.title())
        if isinstance(w, QTextBrowser):
            out.append(w.toPlainText())
        if isinstance(w, QTreeWidget):
            for i in range(w.topLevelItemCount()):
                item = w.topLevelItem(i)
                if item is not None:
                    out.extend(item.text(col) for col in range(w.columnCount()))
                    out.extend(item.toolTip(col) for col in range(w.columnCount()))
    return [_cut(s) for s in out if s]


def jargon(text: str) -> list[str]:
    """The technical words in ``text`` (empty when it is fit for an officer)."""
    found = [i for i in HYPHEN_IDS if i in text]
    found += [m.group(0) for m in FILE_OR_KEY.finditer(text)]
    found += [m.group(0) for m in JARGON.finditer(text)]
    found += [m.group(0) for m in CMDLET.finditer(text)]
    return found


def assert_officer_clean(texts: list[str], passes: tuple[str, ...] | list[str] = (),
                         *, strict: bool = True) -> None:
    """No internal id or file name (and, ``strict``, no jargon) in ``texts``, and no pass
    phrase on a "Problems:"/"To fix:" line."""
    for text in texts:
        found = jargon(text) if strict else [i for i in HYPHEN_IDS if i in text] + [
            m.group(0) for m in FILE_OR_KEY.finditer(text)]
        assert not found, (found, text)
        for problem_line in re.findall(r"(?:Problems|To fix): [^\n]*", text):
            for pass_phrase in passes:
                assert pass_phrase not in problem_line, (pass_phrase, problem_line)
