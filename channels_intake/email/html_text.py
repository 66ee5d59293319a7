"""Plain text from an HTML-only email, so it can be searched, redacted and have its quotes folded.

Block elements become line breaks, list items bullets, links keep their address, and quoted parts
(``<blockquote>``, Gmail's ``gmail_quote``, Outlook's reply header, Yahoo's ``yahoo_quoted``) become
"> " lines that quoting.fold() recognises. Scripts and styles are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "address", "article", "aside", "div", "dl", "dt", "dd", "fieldset", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tr", "ul", "center",
}  # fmt: skip
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "pre"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml"}
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a quote)
        self.href: str | None = None
        self.link_text: list[str] = []

    def _newline(self, *, blank: bool = False, forced: bool = False) -> None:
        """End the current line; ``blank``: also leave an empty line (paragraphs); ``forced``: a <br>."""
        line = re.sub(r"[ \t\u00a0]+", " ", "".join(self.current)).strip()
        prefix = "> " * self.quote_depth
        last_blank = not self.lines or not self.lines[-1].strip("> ")
        if line:
            self.lines.append(prefix + line)
        elif forced and not last_blank:
            self.lines.append(prefix.rstrip())
        if blank and self.lines and self.lines[-1].strip("> "):
            self.lines.append(prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        attributes = {name: (value or "") for name, value in attrs}
        classes = attributes.get("class", "").lower()
        is_quote = tag == "blockquote" or any(name in classes for name in _QUOTE_CLASSES)
        is_quote = is_quote or attributes.get("id", "").lower() in _QUOTE_IDS
        if tag == "br":
            self._newline(forced=True)
            return
        if tag in _BLOCK or is_quote:
            self._newline(blank=tag in _PARAGRAPHS or is_quote)
        if tag == "li":
            self.current.append("- ")
        if tag == "a":
            self.href = attributes.get("href", "")
            self.link_text = []
        if tag == "img" and attributes.get("alt"):
            self.current.append(f"[{attributes['alt']}]")
        if tag in {"td", "th"} and self.current:
            self.current.append(" ")
        if tag not in {"img", "hr", "meta", "link", "input", "wbr"}:
            self.stack.append((tag, is_quote))
        if is_quote:
            self.quote_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "a" and self.href is not None:
            text = "".join(self.link_text).strip()
            href = self.href
            if href.startswith(("http://", "https://")) and href not in text:
                self.current.append(f" <{href}>")
            self.href = None
        # Pop to the matching tag: real-world HTML leaves elements unclosed.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                closing = self.stack[index:]
                del self.stack[index:]
                quote_closed = any(opened for _tag, opened in closing)
                if tag in _BLOCK or quote_closed:
                    self._newline()
                self.quote_depth -= sum(1 for _tag, opened in closing if opened)
                if tag in _PARAGRAPHS or quote_closed:
                    self._newline(blank=True)
                break

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        text = data.replace("\r", " ").replace("\n", " ")
        self.current.append(text)
        if self.href is not None:
            self.link_text.append(text)


def html_to_text(html: str) -> str:
    """Readable plain text of ``html``; never raises."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html).strip()
    parser._newline()
    text = "\n".join(parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
