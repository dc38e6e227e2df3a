from __future__ import annotations

from tests.unit.companion.conftest import World, world  # noqa: F401  (the session fixture, with a FakeModel)

__all__ = ["World"]
