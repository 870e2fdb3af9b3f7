"""Ingestion: text normalisation, the spaCy pipeline, linking and quotes.

Nothing in this package may be imported by the web server except modules that do not
import spaCy (``normalise``, ``types``, ``labels``, ``worker``).
"""
