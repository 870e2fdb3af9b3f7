"""The text of an uploaded file: the browser's side of the one file reader
(``app.ingest.reading``, which ``python -m app ingest`` reads files with too), with what only
uploads need: the accepted suffixes and a size limit, checked before anything is parsed."""

from pathlib import PurePath

from app.ingest.reading import ACCEPTED, FileText, UnreadableFile, display_name, read_file

MAX_FILE_BYTES = 10 * 1024 * 1024

__all__ = ["ACCEPTED", "MAX_FILE_BYTES", "FileText", "UnreadableFile", "display_name",
           "read_upload"]


def read_upload(filename: str, data: bytes) -> FileText:
    suffix = PurePath(filename.lower()).suffix
    if suffix not in ACCEPTED:
        raise UnreadableFile(
            f"{suffix or 'no extension'}: only {', '.join(ACCEPTED)} files can be added"
        )
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return read_file(filename, data)
