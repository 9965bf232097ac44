"""Checks the built site's API pages for docstrings that rendered badly.

    python tools/check_docs.py [SITE_DIR]      (default: site)

Run by `make docs` after `mkdocs build`. Fails (exit code 1) when an API page
(SITE_DIR/api/**/*.html) shows

- a doctest (`>>>`) outside a code block: an example that Markdown read as
  text, or as quotes nested three deep (`>>>` is Markdown for that);
- a base-class line ("Bases: ...") naming a private or computed base, such as
  `*(trainer_mixin(), Model)`, or a heading that shows a private module
  (`keras_gan._optimizer.X`);

or when any page loads a script or stylesheet from the network (the site is
meant to work offline, from file://).

A single quote block (`<blockquote>`) in an API page is reported as a
warning: in a docstring it is almost always a line that starts with `>` by
accident.
"""

import html.parser
import pathlib
import re
import sys

_CODE = {"pre", "code"}
_VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}
_PRIVATE_BASE = re.compile(r"(^|[\s(.,*])_\w|\w\(")


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.doctest_text = []
        self.blockquotes = 0
        self.nested_quotes = []
        self.paragraph = None
        self.bases = []
        self.remote = []
        self.heading = None
        self.private_headings = []

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self.blockquotes += 1
            if self.stack.count("blockquote") == 2:
                self.nested_quotes.append([])
        if tag == "p" and not self._in_code():
            self.paragraph = []
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = []
        attributes = dict(attrs)
        url = attributes.get("src") if tag == "script" else None
        if tag == "link" and attributes.get("rel") != "canonical":
            url = attributes.get("href")
        if url and re.match(r"^(https?:)?//", url):
            self.remote.append(f"<{tag}> {url}")
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        # Pop to the matching tag (HTML allows some unclosed tags).
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            text = "".join(self.heading).strip()
            if re.search(r"(^|\.)_[A-Za-z]\w*\.", text):
                self.private_headings.append(text)
            self.heading = None
        if tag == "p" and self.paragraph is not None:
            text = "".join(self.paragraph).strip()
            if text.startswith("Bases:"):
                self.bases.append(text)
            self.paragraph = None

    def handle_data(self, data):
        if self.stack.count("blockquote") >= 3 and self.nested_quotes:
            self.nested_quotes[-1].append(data)
        if self.paragraph is not None:
            self.paragraph.append(data)
        if self.heading is not None:
            self.heading.append(data)
        if not self._in_code() and ">>>" in data:
            self.doctest_text.append(" ".join(data.split())[:120])

    def _in_code(self):
        return any(tag in _CODE for tag in self.stack)


def _parse(path):
    page = _Page()
    page.feed(pathlib.Path(path).read_text(encoding="utf-8"))
    return page


def check_offline(path):
    """Returns error messages for scripts or stylesheets loaded remotely."""
    return [
        f"{path}: loads from the network: {item}"
        for item in _parse(path).remote
    ]


def check_page(path):
    """Returns `(errors, warnings)`: lists of messages for one API page."""
    page = _parse(path)
    errors = [f"{path}: loads from the network: {item}" for item in page.remote]
    errors += [
        f"{path}: doctest line outside a code block: {text!r}"
        for text in page.doctest_text
    ]
    errors += [
        f"{path}: doctest read as nested quotes (>>>): "
        f"{' '.join(''.join(parts).split())[:120]!r}"
        for parts in page.nested_quotes
    ]
    errors += [
        f"{path}: private or computed base class shown: {text!r}"
        for text in page.bases
        if _PRIVATE_BASE.search(text[len("Bases:"):])
    ]
    errors += [
        f"{path}: heading shows a private module: {text!r}"
        for text in page.private_headings
    ]
    warnings = []
    single = page.blockquotes - 3 * len(page.nested_quotes)
    if single > 0:
        warnings.append(
            f"{path}: {single} quote block(s); a docstring line that starts "
            "with '>'?"
        )
    return errors, warnings


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    site = pathlib.Path(argv[0] if argv else "site")
    pages = sorted((site / "api").glob("**/*.html"))
    if not pages:
        print(f"check_docs: no API pages under {site}/api/", file=sys.stderr)
        return 1
    others = sorted(set(site.glob("**/*.html")) - set(pages))
    errors, warnings = [], []
    for path in others:
        errors += check_offline(path)
    for path in pages:
        page_errors, page_warnings = check_page(path)
        errors += page_errors
        warnings += page_warnings
    for message in warnings:
        print(f"warning: {message}", file=sys.stderr)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    print(
        f"check_docs: {len(pages)} API pages, {len(others)} other pages, "
        f"{len(errors)} errors, "
        f"{len(warnings)} warnings"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
