"""Presenters turn stored rows into what a client reads: JSON-LD, the reader's data."""
