"""Search results as HTML: the matched words marked, everything else escaped first."""

from markupsafe import Markup, escape

from app.search import Marked


def marked_html(marked: Marked) -> Markup:
    """``marked.text`` escaped, with each matched range in ``<mark>``: marks are placed by
    offset around escaped pieces, so no text can become markup."""
    out: list[str] = []
    pos = 0
    for start, end in marked.marks:
        if start < pos or end > len(marked.text):
            continue  # overlapping or out of range: leave that one unmarked
        out.append(str(escape(marked.text[pos:start])))
        out.append(f"<mark>{escape(marked.text[start:end])}</mark>")
        pos = end
    out.append(str(escape(marked.text[pos:])))
    return Markup("".join(out))
