"""Griffe extension: read the project's Keras-style docstrings as sections.

Keras writes a docstring's examples flush with their title, after a blank
line:

    Examples:

    >>> gan.d_steps
    2

Griffe's Google parser only takes an indented block under a title for a
section, so without this the `>>>` lines reach Markdown as nested quotes.
Before griffe parses a docstring, this extension indents such a block under
its title (an Examples section: rendered as Python console code), and turns
`Call arguments:` into a parameters table with that title.

Used by mkdocs.yml (`extensions:` of the mkdocstrings Python handler).
"""

import re

import griffe

_EXAMPLES = re.compile(r"^Examples?:\s*$")
_CALL_ARGUMENTS = re.compile(r"^Call arguments:\s*$")
# What ends a flush-left examples block: the next section, e.g. "Returns:"
# or "Reference: Karras et al." (not doctest output such as "ValueError: ").
_TITLE = re.compile(
    r"^(Args|Arguments|Attributes|Call arguments|Notes?|Raises|References?"
    r"|Returns|See also|Warnings?|Yields):(\s|$)"
)


def indent_examples(text):
    """Returns `text` with flush-left example blocks indented under titles.

    Args:
        text: a cleaned (dedented) docstring.

    Returns:
        The docstring, unchanged where its sections are already indented.
    """
    lines = text.split("\n")
    out = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if _CALL_ARGUMENTS.match(line):
            # "Other parameters" reads name: description items; the title
            # after the colon is the one shown.
            out.append("Other parameters: Call arguments:")
            continue
        out.append(line)
        if not _EXAMPLES.match(line):
            continue
        start = index
        while start < len(lines) and not lines[start].strip():
            start += 1
        if start == len(lines) or lines[start].startswith(" "):
            continue  # Nothing follows, or already a block griffe reads.
        index = start
        while index < len(lines) and not _TITLE.match(lines[index]):
            body = lines[index]
            out.append("    " + body if body.strip() else "")
            index += 1
    return "\n".join(out)


class KerasStyleDocstrings(griffe.Extension):
    """Rewrites each docstring with `indent_examples` as it is loaded."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)
