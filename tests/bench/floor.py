"""The framework's floor for ``make bench``: a bare Starlette app returning, for each path,
the very bytes the reader returned for it (its gzip bytes when the client accepts gzip).

Run by the same interpreter and uvicorn settings as the reader (``python -m app serve``:
uvicorn's defaults, access log off). ``FLOOR_SPEC`` names a JSON file:
``{path: {"type": content type, "plain": base64, "gzip": base64 or null}}``.
"""

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _endpoint(spec: dict[str, Any]) -> Any:
    plain = base64.b64decode(spec["plain"])
    packed = base64.b64decode(spec["gzip"]) if spec["gzip"] else None
    media = spec["type"]

    async def serve(request: Request) -> Response:
        if packed is not None and "gzip" in request.headers.get("accept-encoding", ""):
            return Response(packed, media_type=media,
                            headers={"content-encoding": "gzip", "vary": "accept-encoding"})
        return Response(plain, media_type=media)

    return serve


def create_app() -> Starlette:
    spec = json.loads(Path(os.environ["FLOOR_SPEC"]).read_text())
    return Starlette(routes=[Route(path, _endpoint(s)) for path, s in spec.items()])


if __name__ == "__main__":
    import uvicorn

    uvicorn.run("tests.bench.floor:create_app", factory=True, host="127.0.0.1",
                port=int(sys.argv[1]), access_log=False)
