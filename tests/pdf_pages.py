"""The text of each page of a PDF, as pypdfium2 extracts it (for tests of the rendered report)."""

from __future__ import annotations

import pypdfium2 as pdfium


def page_texts(data: bytes, *, render: bool = False, join_lines: bool = False) -> list[str]:
    """One string per page. ``render``: also render every page (it must not fail); ``join_lines``:
    whitespace runs, line breaks included, become one space."""
    doc = pdfium.PdfDocument(data)
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            if render:
                page.render(scale=0.5)
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            texts.append(" ".join(text.split()) if join_lines else text)
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()
