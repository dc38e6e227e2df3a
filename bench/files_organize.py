"""Files organize at scale: plan, apply and undo on a tree of ~20,000 files with duplicates and a few large files,
checking every file's hash before, after apply (the multiset of contents) and after undo (every path back).

    .venv/bin/python bench/files_organize.py [DIR] [--files 20000] [--large 3] [--large-mb 256]

Without DIR, a tree is made in a temporary folder (and removed). With DIR, that folder is organized and then undone
in place (every file's hash is checked; nothing is deleted either way).

Last line: RESULT files=… plan_s=… apply_s=… undo_s=… lost=0 hash_mb_per_s=…"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from os1.actions import Registry, apply_plan, journal_of, undo_plan  # noqa: E402
from os1.files.hashing import hash_file  # noqa: E402
from os1.files.ops import register  # noqa: E402
from os1.files.plan import KIND, build_plan  # noqa: E402
from os1.store import open_store  # noqa: E402

EXTS = ["jpg"] * 30 + ["png"] * 5 + ["mp4"] * 3 + ["mp3"] * 10 + ["pdf"] * 20 + ["docx"] * 8 + ["txt"] * 8 + \
       ["zip"] * 3 + ["xyz", "bin", "dat"] * 4
WORDS = "invoice taxes holiday beach party receipt contract recipe lecture meeting scan budget garden".split()
FOLDERS = ["Downloads", "Desktop", "camera", "camera/old", "phone/DCIM", "work/projects", "misc", "inbox"]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def make_tree(root: Path, files: int, large: int, large_mb: int, rng: random.Random) -> None:
    """Small files of random sizes (about 10% are copies of another under a new name), then a few large files
    (the first two identical)."""
    made: list[Path] = []
    for i in range(files):
        folder = root / rng.choice(FOLDERS)
        folder.mkdir(parents=True, exist_ok=True)
        ext = rng.choice(EXTS)
        name = f"{rng.choice(WORDS)}_{i}.{ext}" if rng.random() < 0.4 else f"IMG_{i:05d}.{ext}"
        path = folder / name
        if made and rng.random() < 0.1:
            shutil.copyfile(rng.choice(made), path)
        else:
            path.write_bytes(os.urandom(min(int(rng.lognormvariate(8.5, 1.5)), 4 << 20)))  # median ~5 KB
        stamp = rng.randint(1_400_000_000, 1_750_000_000)
        os.utime(path, (stamp, stamp))
        made.append(path)
        if i % 5000 == 0:
            log(f"  made {i}/{files} files")
    block = os.urandom(1 << 20)
    for n in range(large):
        path = root / "videos" / f"{'film' if n < 2 else 'other'}_{n}.mkv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            for _ in range(large_mb):
                f.write(block)
            f.write(b"%d" % (0 if n < 2 else n))  # the first two are identical


def snapshot(root: Path) -> tuple[dict[str, str], int, float]:
    """Every regular file's hash (hidden ones too), the bytes read, and the seconds it took."""
    out, size, start = {}, 0, time.perf_counter()
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out[os.path.relpath(path, root)] = hash_file(path)
                size += os.path.getsize(path)
    return out, size, time.perf_counter() - start


async def bench(root: Path, home: Path) -> dict[str, float | int]:
    before, total_bytes, hash_s = snapshot(root)
    log(f"{len(before)} files, {total_bytes / 1e6:.0f} MB; hashed in {hash_s:.1f}s")
    store = await open_store(home / "os1.db")
    try:
        journal = journal_of(store, (await store.users.ensure("bench")).id)
        registry = Registry()
        register(registry)
        t0 = time.perf_counter()
        draft = await asyncio.to_thread(build_plan, root)
        plan = await journal.propose(KIND, f"Organize {root}", draft.steps)
        t1 = time.perf_counter()
        log(f"plan: {len(plan.steps)} steps ({draft.hashed_bytes / 1e6:.0f} MB read for duplicates) in {t1 - t0:.1f}s")
        outcome = await apply_plan(journal, registry, plan.id, {s.number for s in plan.steps})
        t2 = time.perf_counter()
        log(f"apply: {outcome.status}, {outcome.count('applied')} applied in {t2 - t1:.1f}s")
        after = Counter(snapshot(root)[0].values())
        lost = sum((Counter(before.values()) - after).values())
        t3 = time.perf_counter()
        undone = await undo_plan(journal, registry, plan.id)
        t4 = time.perf_counter()
        log(f"undo: {undone.status} in {t4 - t3:.1f}s")
        restored = snapshot(root)[0]
        misplaced = sum(1 for rel, h in before.items() if restored.get(rel) != h) + len(set(restored) - set(before))
    finally:
        await store.close()
    return {"files": len(before), "steps": len(plan.steps), "plan_s": round(t1 - t0, 2),
            "apply_s": round(t2 - t1, 2), "undo_s": round(t4 - t3, 2), "lost": lost, "misplaced_after_undo":
            misplaced, "hash_mb_per_s": round(total_bytes / 1e6 / hash_s, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", nargs="?", type=Path, help="organize (then undo) this folder instead of a made one")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=3, help="large files (the first two identical)")
    parser.add_argument("--large-mb", type=int, default=256)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="os1-bench-files-") as tmp:
        root = args.dir.resolve() if args.dir else Path(tmp) / "tree"
        if args.dir is None:
            log(f"making {args.files} files and {args.large} x {args.large_mb} MB in {root}")
            make_tree(root, args.files, args.large, args.large_mb, random.Random(args.seed))
        result = asyncio.run(bench(root, Path(tmp) / "home"))
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0 if result["lost"] == 0 and result["misplaced_after_undo"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
