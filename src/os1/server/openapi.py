"""Print the service's OpenAPI document: ``python -m os1.server.openapi > docs/openapi.json``."""

from __future__ import annotations

import json
import sys

from os1.server.app import openapi_document


def render() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
