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
    PRE_WRAP,
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
    # The council's style goes; the only style left is ours (preformatted text wraps).
    assert "color: red" not in notice.html and notice.html.count("<style") == 1
    assert PRE_WRAP in notice.html
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


# -- nothing unseen (issue 29, item 6) ----------------------------------------------------
#: Every bidi override, embedding, isolate and mark (Unicode UAX #9's explicit formatting
#: characters, and the implicit marks).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
#: Invisible characters a notice file could hide words with: zero-width space, joiners,
#: word joiner, invisible operators, BOM, soft hyphen, Mongolian vowel separator, tags,
#: interlinear annotation, grapheme joiner, Hangul fillers, variation selectors.
INVISIBLE = ("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
             "\U000e0001\U000e0020\U000e0041\U000e007f\ufff9\ufffa\ufffb"
             "\u034f\u115f\u1160\u3164\uffa0\ufe0f\U000e0100\x1b\x07\ue000")


def _unseen_in(notice_text: str) -> set[str]:
    return {c for c in notice_text if c in BIDI_CONTROLS + INVISIBLE}


def test_a_bidi_override_cannot_make_the_window_say_the_reverse(tmp_path: Path) -> None:
    """The attack: the file says "WE MAY NOT RECORD" backwards inside U+202E ... U+202C, so
    a bidi-aware window shows "WE MAY RECORD"-looking text while the file and --text say
    the reverse. With the controls gone both show the characters in file order."""
    file = tmp_path / "notice.html"
    file.write_text("<h1>N</h1><p>WE MAY &#x202E;DROCER TON&#x202C; THE CALL</p>"
                    "<p>raw \u2067isolate\u2069 and \u202dLTR override\u202c</p>",
                    encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert not notice.problem
    assert not _unseen_in(notice.html) and not _unseen_in(notice.text)
    assert "WE MAY DROCER TON THE CALL" in notice.text
    assert "raw isolate and LTR override" in notice.text


@pytest.mark.parametrize("char", list(BIDI_CONTROLS + INVISIBLE))
@pytest.mark.parametrize("markdown", [True, False])
def test_invisible_characters_are_removed_from_html_and_text(char: str,
                                                             markdown: bool) -> None:
    # Raw, and as a character reference (which the HTML parser turns into the character).
    source = (f"# N\n\nWe do{char} not record{char}.\n" if markdown else
              f"<h1>N</h1><p>We do{char} not record&#x{ord(char):x};.</p>")
    notice = build_notice(source, source="t", declared_date="", is_markdown=markdown)
    assert char not in notice.html and char not in notice.text
    assert "We do not record." in notice.text


def test_no_format_character_survives() -> None:
    """Every character of category Cf (the whole Unicode database, not a list)."""
    import unicodedata

    cf = [chr(i) for i in range(0x110000) if unicodedata.category(chr(i)) == "Cf"]
    assert len(cf) > 150
    notice = build_notice("# N\n\n" + "x".join(cf) + "\n", source="t", declared_date="",
                          is_markdown=True)
    left = {f"U+{ord(c):04X}" for c in notice.html + notice.text if c in set(cf)}
    assert not left


def test_visible_non_ascii_text_is_kept() -> None:
    words = "Caf\u00e9 \u2013 \u00a35 \u2014 \u201cquoted\u201d, na\u00efve, \u00fcber, \u20ac9, \u2122"
    notice = build_notice(f"# N\n\n{words}\n", source="t", declared_date="",
                          is_markdown=True)
    assert words in notice.text and words in notice.html


def test_preformatted_text_cannot_push_words_off_screen(tmp_path: Path) -> None:
    """The attack: "WE MAY" then 400 spaces then "NOT RECORD" in a <pre>, so the window
    shows "WE MAY" and the rest lies far off to the right."""
    file = tmp_path / "notice.html"
    file.write_text("<h1>N</h1><pre>WE MAY" + " " * 400 + "NOT RECORD\tTHE CALL"
                    + "\t" * 50 + "EVER</pre><p>gap" + "&nbsp;" * 400 + "here</p>"
                    + "<pre>top" + "\n" * 300 + "bottom</pre><p>a" + "<br>" * 200 + "b</p>",
                    encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert "<pre>WE MAY NOT RECORD\tTHE CALL EVER</pre>" in notice.html
    assert "gap here" in notice.html
    assert "<pre>top\n\nbottom</pre>" in notice.html
    assert "a<br><br>b" in notice.html
    assert not re.search(r"(?:[ \t\u00a0]|&nbsp;){5}", notice.html)
    assert PRE_WRAP in notice.html   # and what is left wraps at the window's edge
    assert "WE MAY NOT RECORD THE CALL EVER" in notice.text


def test_a_short_run_of_spaces_in_preformatted_text_is_kept() -> None:
    notice = build_notice("<h1>N</h1><pre>Mon   9am\nTue   10am</pre>", source="t",
                          declared_date="", is_markdown=False)
    assert "<pre>Mon   9am\nTue   10am</pre>" in notice.html


def test_markdown_code_block_wraps_and_collapses_too() -> None:
    notice = build_notice("# N\n\n    indented" + " " * 300 + "by mistake\n", source="t",
                          declared_date="", is_markdown=True)
    assert "indented by mistake" in notice.html and "indented by mistake" in notice.text


def test_built_in_notice_words_and_version_are_unchanged_by_the_cleaning() -> None:
    notice = load_notice(Policy())
    assert notice.version == "2026-12-01+18c89a6a3abe92cf"
    assert not _unseen_in(notice.html)


# -- whose file (issue 29, item 6) --------------------------------------------------------
def _someone_elses(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` another user's: really (chown) when the suite runs as root, else by
    trusting root alone (the developer who owns it is then "another user")."""
    import os

    from devicecheck import paths

    if os.getuid() == 0:
        os.chown(path, 4242, -1)
    monkeypatch.setattr(paths, "TRUSTED_OWNER_UIDS", frozenset({0}))


def test_another_users_notice_file_is_ignored_and_the_built_in_one_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck.notice import notice_file_problem

    file = tmp_path / "notice.md"
    file.write_text("# Their notice\n\nWe record every call.\n", encoding="utf-8")
    _someone_elses(file, monkeypatch)
    policy = policy_with(file=str(file))
    notice = load_notice(policy)
    assert notice.is_built_in and "record every call" not in notice.text
    assert "01362 656870" in notice.text
    assert str(file) in notice.problem and "not root" in notice.problem
    assert "ignored" in notice.problem and "root/administrators" in notice.problem
    assert notice_file_problem(policy) == notice.problem


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_notice_file_others_can_write_is_ignored(tmp_path: Path, where: str) -> None:
    folder = tmp_path / "notice"
    folder.mkdir()
    file = folder / "notice.md"
    file.write_text("# Writable\n\nAnyone could change this.\n", encoding="utf-8")
    (file if where == "file" else folder).chmod(0o664 if where == "file" else 0o777)
    notice = load_notice(policy_with(file=str(file)))
    assert notice.is_built_in and "writable by group or others" in notice.problem


def test_a_symlinked_notice_file_is_ignored(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("# Linked\n\ntext\n", encoding="utf-8")
    link = tmp_path / "notice.md"
    link.symlink_to(real)
    notice = load_notice(policy_with(file=str(link)))
    assert notice.is_built_in and "symbolic link" in notice.problem


def test_an_it_owned_notice_file_has_no_problem(tmp_path: Path) -> None:
    from devicecheck.notice import notice_file_problem

    file = tmp_path / "notice.md"
    file.write_text("# Ours\n\ntext\n", encoding="utf-8")
    assert notice_file_problem(policy_with(file=str(file))) == ""
    assert notice_file_problem(Policy()) == ""
    assert "absolute" in notice_file_problem(policy_with(file="notice.md"))
