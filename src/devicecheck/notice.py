"""The privacy notice in force: the built-in one, or the council's own file from policy.

A notice is versioned by what it says, not by where it lives: ``version`` is the declared
revision date plus a hash of the text, so an acknowledgement names exactly the words the
officer saw, and IT replacing the file (even without changing the date) asks for a fresh
acknowledgement where policy wants one.

One document everywhere (issue 17, items 4 and 5): ``Notice.html`` is the sanitised HTML
that ``devicecheck notice`` prints AND that the window shows, so the officer acknowledges
what they saw. Markdown goes through markdown-it-py (CommonMark, a maintained parser,
linear time) with raw HTML *escaped* (``html=False``: ``<br>``, ``<img>`` and
``<Placeholder>`` stay visible as text); every document, Markdown's output included, is
then cleaned by nh3 (the ammonia sanitiser) to a small allow-list of tags and attributes,
links only ``https:``, ``mailto:``, ``tel:`` and in-page ``#`` anchors, and no images or
other resources (a notice bundles none). No Qt here: ``devicecheck notice --text`` runs
without a display.

``version`` hashes the file's text, as before, so the built-in notice keeps its version;
``document_hash`` hashes the sanitised document itself, and the acknowledgement records
both (what the file said, and exactly what was shown).

Nothing unseen (issue 29, item 6): the officer acknowledges what they saw, so the
sanitised document loses every bidi control, tag, zero-width and other format character,
and long runs of blanks, blank lines and ``<br>`` (``notice_unseen``), and its preformatted
text wraps (``PRE_WRAP``). The window and ``--text`` are both made from that document, so
both say the same.

Whose file (issue 29): the policy's notice file is used only when root/administrators own it
and its folder and no one else can write either, the policy file's own rule
(``policy.sources.read_trusted``); otherwise the built-in notice is shown with ``problem``
saying why.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from devicecheck.notice_unseen import collapse_runs, drop_invisible
from devicecheck.policy import Policy
from devicecheck.policy.sources import read_trusted
from devicecheck.resource_files import resource_path

BUILT_IN = "built-in"
DEFAULT_NOTICE = ("notice", "privacy-notice.md")
#: A notice is prose; anything bigger is a wrong file, not a notice.
MAX_NOTICE_BYTES = 512 * 1024

_DECLARED_DATE = re.compile(
    r"<!--\s*revision-date:\s*(\d{4}-\d{2}-\d{2})\s*-->"
    r"|<meta\s+name=[\"']revision-date[\"']\s+content=[\"'](\d{4}-\d{2}-\d{2})[\"']",
    re.IGNORECASE)


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
    def document_hash(self) -> str:
        """First 16 hex of the sha256 of ``html``: exactly the document shown."""
        return content_hash(self.html)[:16]

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
            raw = _read_trusted(path)
        except NoticeError as exc:
            built_in = _load_built_in()
            return _with_problem(built_in, str(exc))
        return build_notice(raw, source=str(path), declared_date=policy.notice.revision_date,
                            is_markdown=_looks_like_markdown(path, raw))
    return _load_built_in()


def _load_built_in() -> Notice:
    path = resource_path(*DEFAULT_NOTICE)
    return build_notice(_read(path), source=BUILT_IN, declared_date="", is_markdown=True)


def strip_comments(text: str) -> str:
    """``text`` without ``<!-- … -->`` comments, in linear time (a regex with ``.*?`` is
    quadratic over many unclosed ``<!--``). An unclosed comment is left as text."""
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def _with_problem(notice: Notice, problem: str) -> Notice:
    return Notice(notice.html, notice.text, notice.version, notice.revision_date,
                  notice.source, notice.markdown, problem)


def _read(path: Path) -> str:
    from devicecheck.safefile import read_regular

    try:
        size = path.stat().st_size
        if size > MAX_NOTICE_BYTES:
            raise NoticeError(f"{path}: {size} bytes is too big for a notice "
                              f"(limit {MAX_NOTICE_BYTES})")
        # Non-blocking, regular files only: a FIFO named as the notice once hung the
        # caller (issue 29). IT may point at a link, so links are followed here.
        data = read_regular(path, MAX_NOTICE_BYTES, follow_links=True)
        if len(data) > MAX_NOTICE_BYTES:
            raise NoticeError(f"{path}: too big for a notice (limit {MAX_NOTICE_BYTES})")
    except FileNotFoundError as exc:
        raise NoticeError(f"{path}: no such file") from exc
    except OSError as exc:
        raise NoticeError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return _decode(path, data)


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NoticeError(f"{path}: not UTF-8 text") from exc
    if not text.strip():
        raise NoticeError(f"{path}: the file is empty")
    return text


def notice_file_problem(policy: Policy) -> str:
    """Why the policy's notice file is not shown ("" when there is none, or it is used),
    without building the notice: for ``policy-health``."""
    if not policy.notice.file:
        return ""
    path = Path(policy.notice.file).expanduser()
    if not path.is_absolute():
        return f"{path}: notice.file must be an absolute path"
    try:
        _read_trusted(path)
    except NoticeError as exc:
        return str(exc)
    return ""


#: Why an untrusted notice file is not shown (after the file's own reason).
UNTRUSTED = ("an officer could change the words they acknowledge, so only a file owned by "
             "root/administrators, in a folder only they can write, is shown")


def _read_trusted(path: Path) -> str:
    """The policy's notice file as text, if IT's: owned by root/administrators and written
    by no one else (the policy file's rule, ``read_trusted``; the file judged is the file
    read). Raises ``NoticeError`` saying why not."""
    try:
        data, why = read_trusted(path, limit=MAX_NOTICE_BYTES)
    except FileNotFoundError as exc:
        raise NoticeError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise NoticeError(f"{path}: not a regular file") from exc
    except OSError as exc:
        raise NoticeError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if why:
        raise NoticeError(f"{path}: ignored, not shown: {why}; {UNTRUSTED}")
    if len(data) > MAX_NOTICE_BYTES:
        raise NoticeError(f"{path}: too big for a notice (limit {MAX_NOTICE_BYTES} bytes)")
    return _decode(path, data)


def _looks_like_markdown(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        return True
    if suffix in (".html", ".htm", ".xhtml"):
        return False
    head = strip_comments(text[:4096]).lstrip().lower()
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
        markdown: str | None = strip_comments(text).strip() + "\n"
        body, title = markdown_to_html(markdown or "")
    else:
        markdown = None
        body, title = sanitise_html(text), _html_title(text)
    doc = html_document(body, title=title or "Privacy notice")
    doc = collapse_runs(drop_invisible(doc))
    return Notice(html=doc, text=html_to_text(doc), version=version, revision_date=revision,
                  source=source, markdown=markdown)


#: The document's only style: preformatted text wraps at the window's edge (Qt's rich text
#: supports ``white-space: pre-wrap``, Qt docs "Supported HTML Subset"; so do browsers).
PRE_WRAP = "<style>pre { white-space: pre-wrap; }</style>"


def html_document(body: str, *, title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n{PRE_WRAP}\n</head>\n<body>\n{body}"
            "</body>\n</html>\n")


# -- Markdown -> HTML, and sanitising ------------------------------------------------------
#: What a notice may contain: prose, headings, lists, tables, links. No images, forms,
#: scripts, styles, frames or embedded objects.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "address", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan", "scope"}, "ol": {"start"},
                      "*": {"id", "lang"}}
#: Link schemes a notice may use; the view opens nothing else (and ``#`` anchors in-page).
LINK_SCHEMES = ("https", "mailto", "tel")
# The contents of these go too, not just the tags (ammonia keeps text of removed tags).
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template", "object",
                      "iframe", "svg", "math", "textarea", "select"}


def link_allowed(href: str) -> bool:
    """Whether a notice may link to ``href``: https, mailto, tel, or an in-page anchor."""
    href = href.strip()
    if href.startswith("#"):
        return True
    scheme, sep, _ = href.partition(":")
    return bool(sep) and scheme.lower() in LINK_SCHEMES


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return value if link_allowed(value) else None   # a bad link becomes its text
    return value


def sanitise_html(fragment: str) -> str:
    """``fragment`` reduced to the allow-list above (nh3/ammonia: an HTML5 parser, so
    whatever the browser-grade parse of hostile markup is, that is what gets cleaned)."""
    import nh3

    return str(nh3.clean(fragment, tags=set(ALLOWED_TAGS),
                         clean_content_tags=_DROP_WITH_CONTENT,
                         attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                         attribute_filter=_keep_attribute, url_schemes=set(LINK_SCHEMES),
                         link_rel=None, strip_comments=True))


def _html_title(document: str) -> str:
    start = document.lower().find("<title>")
    end = document.lower().find("</title>", start + 7) if start != -1 else -1
    if start == -1 or end == -1:
        return ""
    return " ".join(html.unescape(document[start + 7:end]).split())[:200]


def markdown_to_html(markdown: str) -> tuple[str, str]:
    """``(sanitised body, first heading's text)``. CommonMark plus tables; raw HTML in the
    Markdown is shown as text (``html=False``); images become their link (a notice has no
    pictures to load); autolinks and links are checked again by the sanitiser."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    tokens = md.parse(markdown)
    title = ""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            title = "".join(c.content for c in tokens[i + 1].children or ()
                            if c.type in ("text", "code_inline")).strip()
            break
    return sanitise_html(md.renderer.render(tokens, md.options, {})), title


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
