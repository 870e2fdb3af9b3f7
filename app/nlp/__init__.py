"""Text → spans: normalisation, the spaCy pipeline, mentions, linking, roles and quotes.

Nothing here touches the database or the web; the result is plain data (``types``).
``normalise``, ``types`` and ``labels`` import no spaCy, so the web server may use them.
"""
