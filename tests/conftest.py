from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def seed_bytes() -> bytes:
    return (SAMPLES / "input" / "hikvision-blogger-repost.txt").read_bytes()
