"""MkDocs hook: replace ``<!-- cge:NAME -->`` markers by text generated from the code and data
(:mod:`cge.docgen`), so the model equations, the results variables, the IAMC mapping and the
scenario descriptions in the documentation are those of the code being documented."""
from __future__ import annotations


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Expand the generation markers of one page."""
    if "<!-- cge:" not in markdown:
        return markdown
    from cge.docgen import expand
    return expand(markdown)
