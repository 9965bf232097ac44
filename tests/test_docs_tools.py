"""The docs build's helpers: the griffe extension and tools/check_docs.py."""

import importlib.util
import pathlib

import pytest

# griffe comes with the `docs` extra (mkdocstrings-python).
griffe = pytest.importorskip("griffe", reason="needs the docs extra")

TOOLS = pathlib.Path(__file__).parent.parent / "tools"


def tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KERAS_STYLE = """Adds one.

Args:
    x: a number.

Call arguments:
    inputs: a tensor.
    training: bool.

Returns:
    The number plus one, described
    over two lines.

Examples:

>>> add_one(1)
2
>>> add_one("a")
Traceback (most recent call last):
TypeError: no

Reference: Nobody, 2024."""


def sections(text):
    docstring = griffe.Docstring(text)
    return docstring.parse("google", returns_multiple_items=False)


def test_flush_left_examples_become_an_examples_section():
    extension = tool("griffe_keras_style")
    before = {s.kind.value for s in sections(KERAS_STYLE)}
    assert "examples" not in before  # griffe alone reads them as text
    parsed = sections(extension.indent_examples(KERAS_STYLE))
    kinds = [s.kind.value for s in parsed]
    assert kinds == [
        "text", "parameters", "other parameters", "returns", "examples",
        "text",
    ]
    examples = parsed[4].value
    assert [kind.value for kind, _ in examples] == ["examples"]
    assert examples[0][1].splitlines()[-1] == "TypeError: no"
    assert parsed[2].title == "Call arguments:"
    assert [p.name for p in parsed[2].value] == ["inputs", "training"]
    (returned,) = parsed[3].value
    assert returned.description.endswith("over two lines.")
    assert parsed[5].value == "Reference: Nobody, 2024."


def test_indented_examples_are_left_alone():
    extension = tool("griffe_keras_style")
    text = "Sum.\n\nExamples:\n    >>> 1 + 1\n    2"
    assert extension.indent_examples(text) == text


def page(tmp_path, body):
    path = tmp_path / "page.html"
    path.write_text(f"<html><head></head><body>{body}</body></html>")
    return path


def test_check_docs_flags_examples_outside_code(tmp_path):
    check = tool("check_docs")
    good = page(tmp_path, "<pre><code>&gt;&gt;&gt; 1 + 1\n2</code></pre>")
    assert check.check_page(good) == ([], [])
    text = page(tmp_path, "<p>&gt;&gt;&gt; 1 + 1</p>")
    assert len(check.check_page(text)[0]) == 1
    quotes = "<blockquote>" * 3 + "<p>1 + 1</p>" + "</blockquote>" * 3
    errors, warnings = check.check_page(page(tmp_path, quotes))
    assert len(errors) == 1 and "nested quotes" in errors[0]
    assert warnings == []
    single = page(tmp_path, "<blockquote><p>= 8</p></blockquote>")
    errors, warnings = check.check_page(single)
    assert errors == [] and len(warnings) == 1


def test_check_docs_flags_private_bases_and_remote_assets(tmp_path):
    check = tool("check_docs")
    for body in [
        "<p>Bases: <code>*(trainer_mixin(), Model)</code></p>",
        "<p>Bases: <code>_ConvNormAct</code></p>",
        "<h2>keras_gan._optimizer.GANOptimizer</h2>",
        '<script src="https://cdn.example/katex.js"></script>',
    ]:
        assert len(check.check_page(page(tmp_path, body))[0]) == 1, body
    public = (
        "<p>Bases: <code>keras.layers.Layer</code></p><h2>keras_gan.GAN</h2>"
    )
    assert check.check_page(page(tmp_path, public)) == ([], [])
