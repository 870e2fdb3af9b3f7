"""Ingest orchestration: the one entry point (``service.ingest_article``: prepare → unchanged?
→ extract → save) with its store writes, and the worker process that runs extraction for the
web server. The spaCy code itself is in ``app.nlp``; this package imports it only inside the
worker's child process.
"""
