"""The notice in force: built-in or the policy's file, its version, and the Qt-free
Markdown/HTML conversions behind ``devicecheck notice``."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from devicecheck.notice import (
    BUILT_IN,
    MAX_NOTICE_BYTES,
    build_notice,
    declared_revision_date,
    html_to_text,
    load_notice,
    markdown_to_html,
)
from devicecheck.policy import Policy
from devicecheck.policy.model import NoticePolicy

#: Every fact of shared/reference/notice-facts.md, as words the notice must carry.
NOTICE_FACTS: dict[str, tuple[str, ...]] = {
    "controller": ("Breckland District Council is the data controller",),
    "DPO telephone": ("Data Protection Officer", "01362 656870"),
    "DPO e-mail": ("legal@breckland.gov.uk",),
    "DPO post": ("Legal Services", "Elizabeth House", "Walpole Loke", "Dereham", "Norfolk",
                 "NR19 1EE"),
    "purpose": ("answer your question", "specialist"),
    "lawful basis": ("Article 6(1)(e)", "public interest", "official authority"),
    "the Acts": ("Local Government Act", "Localism Act"),
    "special categories": ("special category", "racial or ethnic origin", "political opinions",
                           "religious or philosophical beliefs", "trade union membership",
                           "genetic data", "biometric data", "health",
                           "sex life and sexual orientation", "Article 9(2)"),
    "council devices only": ("council-issued laptop", "personal device"),
    "no recording": ("recording is not available", "not to record"),
    "supervisor and the right to refuse": ("supervisor", "refuse"),
    "only invited attendees": ("only the people invited",),
    "unique invitations": ("invitation that is theirs alone",),
    "Teams keeps nothing": ("does not monitor", "does not keep"),
    "deletion after use": ("names", "e-mail addresses", "IP addresses", "delete it",
                           "stop using the application"),
    "no marketing disclosure": ("marketing", "sales", "commercial", "harm"),
    "rights of access and correction": ("see the information we hold", "corrected"),
    "more information": ("full privacy policy", "Microsoft's own privacy statement"),
}


def _flat(text: str) -> str:
    return " ".join(text.split())


def policy_with(**notice: object) -> Policy:
    return replace(Policy(), notice=replace(NoticePolicy(), **notice))  # type: ignore[arg-type]


def test_built_in_notice_carries_every_fact_in_html_and_text() -> None:
    notice = load_notice(Policy())
    assert notice.source == BUILT_IN and notice.is_built_in and notice.problem == ""
    for rendering in (notice.text, re.sub(r"<[^>]+>", "", notice.html)):
        flat = _flat(rendering)
        for fact, phrases in NOTICE_FACTS.items():
            for phrase in phrases:
                assert phrase in flat, f"{fact}: {phrase!r} missing"


def test_built_in_notice_is_versioned_by_date_and_content() -> None:
    notice = load_notice(Policy())
    assert notice.revision_date == "2026-12-01"
    assert re.fullmatch(r"2026-12-01\+[0-9a-f]{16}", notice.version)
    assert load_notice(Policy()).version == notice.version  # stable between loads
    assert notice.markdown is not None and "revision-date" not in notice.markdown


def test_policy_markdown_file_replaces_the_notice(tmp_path: Path) -> None:
    file = tmp_path / "notice.md"
    file.write_text("# Our notice\n\nCall the DPO on **01234 567890**.\n", encoding="utf-8")
    notice = load_notice(policy_with(file=str(file), revision_date="2025-01-31"))
    assert notice.source == str(file) and not notice.is_built_in
    assert notice.revision_date == "2025-01-31"
    assert notice.version.startswith("2025-01-31+")
    assert "<strong>01234 567890</strong>" in notice.html
    assert notice.text.startswith("Our notice\n==========\n")
    assert notice.markdown is not None


def test_changing_a_word_changes_the_version_but_line_endings_do_not(tmp_path: Path) -> None:
    file = tmp_path / "notice.md"
    file.write_bytes(b"# Notice\n\nFirst text.\n")
    policy = policy_with(file=str(file))
    first = load_notice(policy)
    file.write_bytes(b"# Notice\r\n\r\nFirst text.\r\n")
    assert load_notice(policy).version == first.version
    file.write_bytes(b"# Notice\n\nSecond text.\n")
    assert load_notice(policy).version != first.version
    assert first.version.startswith("undated+")


def test_policy_html_file_is_sanitised_and_keeps_its_declared_date(tmp_path: Path) -> None:
    doc = ('<!DOCTYPE html><html><head><meta name="revision-date" content="2023-07-05">'
           "<title>T</title><style>p {color: red}</style></head><body><h1>Council notice</h1>"
           '<p>Write to <a href="mailto:dpo@example.gov.uk">the DPO</a>.</p>'
           "<ol><li>one</li><li>two</li></ol><script>alert(1)</script></body></html>")
    file = tmp_path / "notice.html"
    file.write_text(doc, encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert notice.markdown is None
    assert "<script" not in notice.html and "alert" not in notice.html
    assert "<style" not in notice.html and "color: red" not in notice.html
    assert "<title>T</title>" in notice.html
    assert notice.revision_date == "2023-07-05"
    assert notice.text == ("Council notice\n==============\n\n"
                           "Write to the DPO (mailto:dpo@example.gov.uk).\n\n1. one\n2. two\n")


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JaVaScRiPt:x", "smb://server/share",
                                  "file:///etc/passwd", "http://plain.example", "data:text/html,x",
                                  "vbscript:x", "relative.html", " javascript:x"])
def test_html_links_are_only_https_mailto_tel(tmp_path: Path, href: str) -> None:
    file = tmp_path / "notice.html"
    file.write_text(f'<h1>N</h1><p><a href="{href}">the link</a> and '
                    '<a href="https://ok.example/">ok</a></p>', encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert href.strip() not in notice.html and "the link" in notice.html
    assert 'href="https://ok.example/"' in notice.html


def test_html_images_and_resources_are_dropped(tmp_path: Path) -> None:
    file = tmp_path / "notice.html"
    file.write_text('<h1>N</h1><p>before<img src="file:///dev/zero">after</p>'
                    '<link rel="stylesheet" href="file:///dev/zero"><iframe src="https://x">'
                    '</iframe><p style="background:url(file:///dev/zero)">styled</p>',
                    encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert "/dev/zero" not in notice.html and "<img" not in notice.html
    assert "<iframe" not in notice.html and "style=" not in notice.html
    assert "beforeafter" in notice.html and "styled" in notice.html


def test_markdown_raw_html_stays_visible_as_text() -> None:
    notice = build_notice("# N\n\nline one<br>text after the break, an <img src=x> image and "
                          "<Placeholder> here.\n", source="t", declared_date="",
                          is_markdown=True)
    for shown in ("text after the break", "<img src=x>", "<Placeholder>"):
        assert shown in notice.text
    assert "&lt;Placeholder&gt;" in notice.html and "<img" not in notice.html


def test_a_96_kb_line_renders_whole() -> None:
    """Issue 17: the hand-written converter's regex took 29 s on this. No timing here
    (benchmarks/notice_render.py measures it); it must render, with all its text."""
    words = " ".join(f"w{i}" for i in range(16_000))
    line = ("*" + words[:96_000]).ljust(96_000, "_")
    notice = build_notice(f"# Long\n\n{line}\n", source="t", declared_date="",
                          is_markdown=True)
    flat = "".join(notice.text.split())
    assert "".join(line.lstrip("*").split()).rstrip("_")[:90_000] in flat


def test_document_hash_is_of_the_shown_document() -> None:
    a = build_notice("# N\n\ntext\n", source="t", declared_date="", is_markdown=True)
    b = build_notice("# N\n\ntext\n\n", source="t", declared_date="", is_markdown=True)
    assert a.document_hash == b.document_hash and a.version != b.version
    assert re.fullmatch(r"[0-9a-f]{16}", a.document_hash)


def test_built_in_version_is_unchanged_by_the_new_renderer() -> None:
    # The version hashes the file's words, not the renderer's output (notice.py docstring);
    # it changed on 2026-12-01 ("customer" -> "resident", issue 19, and the revised date).
    assert load_notice(Policy()).version == "2026-12-01+18c89a6a3abe92cf"


@pytest.mark.parametrize(("content", "reason"), [
    (None, "no such file"),
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b"x" * (MAX_NOTICE_BYTES + 1), "too big"),
])
def test_unusable_policy_file_falls_back_to_built_in_with_the_reason(
        tmp_path: Path, content: bytes | None, reason: str) -> None:
    file = tmp_path / "notice.md"
    if content is not None:
        file.write_bytes(content)
    notice = load_notice(policy_with(file=str(file)))
    assert notice.is_built_in
    assert reason in notice.problem and str(file) in notice.problem
    assert "01362 656870" in notice.text


def test_relative_policy_path_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notice.md").write_text("# Relative\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    notice = load_notice(policy_with(file="notice.md"))
    assert notice.is_built_in and "must be an absolute path" in notice.problem


def test_declared_revision_date_forms() -> None:
    assert declared_revision_date("<!-- revision-date: 2024-02-29 -->\n# x") == "2024-02-29"
    assert declared_revision_date('<meta name="revision-date" content="2023-07-05">') == \
        "2023-07-05"
    assert declared_revision_date("<!-- revision-date: 2023-02-30 -->") == ""  # no such day
    assert declared_revision_date("# no date") == ""


def test_markdown_subset() -> None:
    md = ("## Title\n\nSome *em* and `code` & <b>raw</b>.\n\n- a\n  continued\n- b\n"
          "  1. inner\n  2. inner two\n- c\n\n---\n\n[bad](javascript:alert(1)) <https://x.org>\n"
          "\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    out, title = markdown_to_html(md)
    assert title == "Title" and "<h2>Title</h2>" in out
    assert "<em>em</em>" in out and "<code>code</code>" in out
    assert "&amp;" in out and "&lt;b&gt;raw&lt;/b&gt;" in out
    assert "<li>a\ncontinued</li>" in out
    # The nested list sits inside its parent item.
    assert re.search(r"<li>b\s*<ol>\s*<li>inner</li>\s*<li>inner two</li>\s*</ol>\s*</li>", out)
    assert "<hr>" in out and "<table>" in out and "<td>2</td>" in out
    assert "javascript" not in out.split("[bad]")[0] and 'href="javascript' not in out
    assert '<a href="https://x.org">https://x.org</a>' in out


def test_html_to_text_wraps_and_skips_hidden_parts() -> None:
    text = html_to_text("<p>" + "word " * 40 + "</p><ul><li>x</li><li>y</li></ul>", width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert lines[-2:] == ["- x", "- y"]


def test_html_to_text_keeps_table_cells_apart() -> None:
    text = html_to_text("<table><tr><th>Right</th><th>How</th></tr>"
                        "<tr><td>Access</td><td>Ask the DPO</td></tr></table>")
    assert text.splitlines() == ["Right | How", "", "Access | Ask the DPO"]


def test_build_notice_markdown_title_becomes_document_title() -> None:
    notice = build_notice("# Hello *there*\n\ntext\n", source="s", declared_date="",
                          is_markdown=True)
    assert "<title>Hello there</title>" in notice.html


def test_missing_built_in_notice_is_an_error(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import devicecheck.notice as notice_module

    monkeypatch.setattr(notice_module, "resource_path",
                        lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(notice_module.NoticeError, match="no such file"):
        load_notice(Policy())
