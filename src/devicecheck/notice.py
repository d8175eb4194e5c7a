"""The privacy notice in force: the built-in one, or the council's own file from policy.

A notice is versioned by what it says, not by where it lives: ``version`` is the declared
revision date plus a hash of the text, so an acknowledgement names exactly the words the
officer saw, and IT replacing the file (even without changing the date) asks for a fresh
acknowledgement where policy wants one.

No Qt here: ``devicecheck notice --text`` must run on a machine without a display, so the
small Markdown-to-HTML and HTML-to-text conversions are done with the standard library.
The UI renders Markdown notices with Qt's own Markdown support (``Notice.markdown``).
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from devicecheck.policy import Policy
from devicecheck.resource_files import resource_path

BUILT_IN = "built-in"
DEFAULT_NOTICE = ("notice", "privacy-notice.md")
#: A notice is prose; anything bigger is a wrong file, not a notice.
MAX_NOTICE_BYTES = 512 * 1024

_DECLARED_DATE = re.compile(
    r"<!--\s*revision-date:\s*(\d{4}-\d{2}-\d{2})\s*-->"
    r"|<meta\s+name=[\"']revision-date[\"']\s+content=[\"'](\d{4}-\d{2}-\d{2})[\"']",
    re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Notice:
    html: str               # a whole HTML document
    text: str               # readable plain text
    version: str            # "<revision date>+<first 16 hex of sha256>"
    revision_date: str      # YYYY-MM-DD, or "" when none was declared
    source: str             # "built-in" or the path of the policy's file
    markdown: str | None = None  # the Markdown (comments removed) when the source is Markdown
    problem: str = ""       # why the policy's file was not used; "" when all is well

    @property
    def is_built_in(self) -> bool:
        return self.source == BUILT_IN


class NoticeError(Exception):
    """The policy's notice file cannot be used (missing, unreadable, too big, not text)."""


def load_notice(policy: Policy) -> Notice:
    """The notice in force. A policy file that cannot be used falls back to the built-in
    notice with ``problem`` set: the officer still sees a complete notice, and the
    ``notice`` command and the window say what went wrong so IT can fix it.

    Raises ``NoticeError`` only when the built-in notice itself cannot be read: a broken
    install, where there is no notice to show and no call should go ahead."""
    if policy.notice.file:
        path = Path(policy.notice.file).expanduser()
        try:
            if not path.is_absolute():
                # Relative to what? The tray starts from wherever the session does.
                raise NoticeError(f"{path}: notice.file must be an absolute path")
            raw = _read(path)
        except NoticeError as exc:
            built_in = _load_built_in()
            return _with_problem(built_in, str(exc))
        return build_notice(raw, source=str(path), declared_date=policy.notice.revision_date,
                            is_markdown=_looks_like_markdown(path, raw))
    return _load_built_in()


def _load_built_in() -> Notice:
    path = resource_path(*DEFAULT_NOTICE)
    return build_notice(_read(path), source=BUILT_IN, declared_date="", is_markdown=True)


def _with_problem(notice: Notice, problem: str) -> Notice:
    return Notice(notice.html, notice.text, notice.version, notice.revision_date,
                  notice.source, notice.markdown, problem)


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_NOTICE_BYTES:
            raise NoticeError(f"{path}: {size} bytes is too big for a notice "
                              f"(limit {MAX_NOTICE_BYTES})")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise NoticeError(f"{path}: no such file") from exc
    except OSError as exc:
        raise NoticeError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NoticeError(f"{path}: not UTF-8 text") from exc
    if not text.strip():
        raise NoticeError(f"{path}: the file is empty")
    return text


def _looks_like_markdown(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        return True
    if suffix in (".html", ".htm", ".xhtml"):
        return False
    head = _COMMENT.sub("", text).lstrip().lower()
    return not head.startswith(("<!doctype", "<html", "<body", "<h1", "<p", "<div"))


def declared_revision_date(text: str) -> str:
    """The date declared inside the file: ``<!-- revision-date: YYYY-MM-DD -->`` (Markdown
    or HTML) or ``<meta name="revision-date" content="YYYY-MM-DD">`` (HTML)."""
    m = _DECLARED_DATE.search(text)
    if not m:
        return ""
    found = m.group(1) or m.group(2)
    try:
        date.fromisoformat(found)
    except ValueError:
        return ""
    return found


def content_hash(text: str) -> str:
    # Line endings are normalised so that a copy made by a Windows deployment tool is the
    # same notice; any change to the words is a new version. hashlib is imported here:
    # it loads OpenSSL (about 4 MB resident), which the idle tray should not carry.
    import hashlib

    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def build_notice(text: str, *, source: str, declared_date: str, is_markdown: bool) -> Notice:
    revision = declared_date or declared_revision_date(text)
    version = f"{revision or 'undated'}+{content_hash(text)[:16]}"
    if is_markdown:
        markdown = _COMMENT.sub("", text).strip() + "\n"
        doc = html_document(markdown_to_html(markdown), title=_first_heading(markdown))
    else:
        markdown, doc = None, text
    return Notice(html=doc, text=html_to_text(doc), version=version, revision_date=revision,
                  source=source, markdown=markdown)


def _first_heading(markdown: str) -> str:
    m = re.search(r"^#{1,6}\s+(.+?)\s*#*\s*$", markdown, re.MULTILINE)
    return _strip_inline(m.group(1)) if m else "Privacy notice"


def html_document(body: str, *, title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{body}</body>\n</html>\n")


# -- Markdown -> HTML (the subset a notice needs) ----------------------------------------
_INLINE_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
_AUTOLINK = re.compile(r"&lt;((?:https?|mailto|tel):[^\s&]+)&gt;")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:", "#")


def _href(url: str) -> str:
    # Only schemes a notice has any business linking to; javascript: and friends become text.
    return url if url.lower().startswith(_SAFE_SCHEMES) else ""


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _INLINE_CODE.sub(r"<code>\1</code>", out)

    def link(m: re.Match[str]) -> str:
        href = _href(html.unescape(m.group(2)))
        label = m.group(1)
        return f'<a href="{html.escape(href)}">{label}</a>' if href else label

    out = _LINK.sub(link, out)
    out = _AUTOLINK.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', out)
    out = _STRONG.sub(r"<strong>\2</strong>", out)
    return _EM.sub(r"<em>\2</em>", out)


def _strip_inline(text: str) -> str:
    return re.sub(r"<[^>]+>", "", html.unescape(_inline(text)))


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


def markdown_to_html(markdown: str) -> str:
    """Headings, paragraphs, bullet and numbered lists (nested by indentation), rules,
    emphasis, code and links. Enough for a notice; anything else stays as plain text."""
    out: list[str] = []
    para: list[str] = []
    lists: list[tuple[int, str]] = []  # the open lists: (indent, "ul" | "ol")
    item: list[str] = []               # text of the list item being read

    def flush_para() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>\n")
            para.clear()

    def flush_item() -> None:
        # "<li>" is closed later, so that a nested list lands inside its parent item.
        if item:
            out.append(f"<li>{_inline(' '.join(item))}")
            item.clear()

    def close_lists(to_indent: int = -1) -> None:
        flush_item()
        while lists and lists[-1][0] > to_indent:
            out.append(f"</li>\n</{lists.pop()[1]}>\n")

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush_para()
            continue
        if m := _BULLET.match(line):
            flush_para()
            flush_item()
            indent, kind = len(m.group(1)), "ol" if m.group(2)[0].isdigit() else "ul"
            if lists and indent < lists[-1][0]:
                close_lists(indent)
            if lists and indent == lists[-1][0]:
                out.append("</li>\n")
            else:
                out.append(f"<{kind}>\n")
                lists.append((indent, kind))
            item.append(m.group(3))
        elif lists and raw[:1] in (" ", "\t"):
            item.append(line.strip())  # continuation of the current item
        elif m := _HEADING.match(line):
            flush_para()
            close_lists()
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>\n")
        elif _RULE.match(line) and not para:
            close_lists()
            out.append("<hr>\n")
        else:
            close_lists()
            para.append(line.strip())
    flush_para()
    close_lists()
    return "".join(out)


# -- HTML -> plain text --------------------------------------------------------------------
_BLOCKS = {"p", "div", "section", "article", "header", "footer", "address", "table", "tr",
           "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
_SKIP = {"script", "style", "head", "title"}


class _TextMaker(HTMLParser):
    def __init__(self, width: int) -> None:
        super().__init__(convert_charrefs=True)
        self.width = width
        self.blocks: list[tuple[str, bool]] = []  # (text, is a list item)
        self.current: list[str] = []
        self.prefix = ""
        self.heading = 0
        self.skip = 0
        self.href: str | None = None
        self.link_text: list[str] = []
        self.list_depth = 0
        self.counters: list[int | None] = []
        self.cells = 0

    def _flush(self) -> None:
        words = " ".join("".join(self.current).split())
        self.current = []
        if not words:
            return
        if self.heading:
            underline = "=" if self.heading == 1 else "-"
            self.blocks.append((f"{words}\n{underline * min(len(words), self.width)}", False))
            return
        indent = "  " * max(self.list_depth - 1, 0)
        first = indent + self.prefix
        rest = " " * len(first)
        self.blocks.append((textwrap.fill(words, self.width, initial_indent=first,
                                          subsequent_indent=rest, break_long_words=False,
                                          break_on_hyphens=False), bool(self.prefix)))
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCKS or tag in ("li", "br"):
            self._flush()
            if tag == "tr":
                self.cells = 0
            elif tag in ("ul", "ol"):
                self.list_depth += 1
                self.counters.append(0 if tag == "ol" else None)
            elif tag == "li":
                n = self.counters[-1] if self.counters else None
                if n is None:
                    self.prefix = "- "
                else:
                    self.counters[-1] = n + 1
                    self.prefix = f"{n + 1}. "
            elif tag[0] == "h" and tag[1:].isdigit():
                self.heading = int(tag[1:])
        elif tag in ("td", "th"):
            if self.cells:
                self.current.append(" | ")  # keep a row's cells apart
            self.cells += 1
        elif tag == "a":
            self.href = dict(attrs).get("href") or None
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(self.skip - 1, 0)
        elif tag == "a":
            label = "".join(self.link_text).strip()
            target = self.href or ""
            if target and not target.startswith("#") and not _says_target(label, target):
                self.current.append(f" ({target})")
            self.href = None
        elif tag in _BLOCKS or tag == "li":
            self._flush()
            if tag in ("ul", "ol") and self.list_depth:
                self.list_depth -= 1
                self.counters.pop()
            elif tag[0] == "h" and tag[1:].isdigit():
                self.heading = 0

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.current.append(data)
        if self.href is not None:
            self.link_text.append(data)

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for i, (block, is_item) in enumerate(self.blocks):
            if i:  # list items sit on consecutive lines; other blocks get a blank line
                out.append("\n" if is_item and self.blocks[i - 1][1] else "\n\n")
            out.append(block)
        return "".join(out) + "\n"


def _says_target(label: str, target: str) -> bool:
    """Whether a link's text already tells the reader where it goes (an e-mail address or
    phone number shown as itself), so plain text need not repeat it."""
    if target.startswith("mailto:"):
        return target[7:].split("?")[0].lower() in label.lower()
    if target.startswith("tel:"):
        digits = re.sub(r"\D", "", label)
        return len(digits) >= 6 and re.sub(r"\D", "", target).endswith(digits.lstrip("0"))
    return target in label


def html_to_text(document: str, width: int = 78) -> str:
    """Readable plain text: headings underlined, lists bulleted, paragraphs wrapped, link
    targets shown after their text when the text does not already say them."""
    maker = _TextMaker(width)
    maker.feed(document)
    maker.close()
    return maker.text()
