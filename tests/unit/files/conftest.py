from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path

import pytest

from os1.actions import Journal, Outcome, Plan, Registry, apply_plan
from os1.actions.journal import journal_of
from os1.files.plan import KIND, Draft, build_plan
from os1.files.scan import Opener, open_binary
from os1.store import SqliteStore

T2021 = 1_620_000_000  # May 2021, UTC
T2024 = 1_710_000_000  # March 2024


def put(root: Path, rel: str, data: bytes, mtime: float = T2024) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every regular file under root (hidden ones too), relative path → sha256."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def contents(root: Path) -> Counter[str]:
    return Counter(snapshot(root).values())


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A messy folder: duplicates under other names, photos, documents sharing a word, music, odd types."""
    root = tmp_path / "desk"
    put(root, "camera/IMG_20210503_0001.jpg", b"\xff\xd8 beach" * 100, T2021)
    put(root, "downloads/beach copy.jpg", b"\xff\xd8 beach" * 100, T2024)
    put(root, "downloads/beach (1).jpg", b"\xff\xd8 beach" * 100, T2024)
    put(root, "camera/IMG_0002.jpg", b"\xff\xd8 other" * 100, T2024)
    put(root, "report.pdf", b"%PDF the report", T2024)
    put(root, "old/report-final.pdf", b"%PDF the report", T2024)
    for n, who in enumerate(("acme", "globex", "initech"), start=1):
        put(root, f"downloads/invoice_{who}_{n}.pdf", f"%PDF invoice {who}".encode(), T2024)
    put(root, "songs/album/01 intro.mp3", b"ID3 intro", T2024)
    put(root, "notes.xyz", b"unknown type", T2024)
    put(root, ".secret.pdf", b"hidden", T2024)
    return root


@pytest.fixture
async def journal(store: SqliteStore) -> Journal:
    user = await store.users.ensure("local")
    return journal_of(store, user.id)


def registry(**kwargs: object) -> Registry:
    from os1.files.ops import register

    reg = Registry()
    register(reg, **kwargs)  # type: ignore[arg-type]
    return reg


async def organize(root: Path, journal: Journal, approve: set[int] | None = None, reg: Registry | None = None,
                   opener: Opener = open_binary, batch: int = 32) -> tuple[Draft, Plan, Outcome]:
    draft = build_plan(root, opener=opener)
    plan = await journal.propose(KIND, f"Organize {root}", draft.steps)
    chosen = {s.number for s in plan.steps} if approve is None else approve
    outcome = await apply_plan(journal, reg or registry(), plan.id, chosen, batch=batch)
    return draft, plan, outcome
