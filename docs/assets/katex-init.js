// Renders the formulas that pymdownx.arithmatex (generic) wraps in
// .arithmatex elements, with the KaTeX bundled in assets/katex/.
document$.subscribe(function () {
  document.querySelectorAll(".arithmatex").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
});
