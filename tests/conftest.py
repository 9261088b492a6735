"""Shared fixtures: the real clips in ../shared/media and a scratch folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
MEDIA = REPO.parent / "shared" / "media"


@pytest.fixture(scope="session")
def media_dir() -> Path:
    if not MEDIA.is_dir():
        pytest.skip(f"shared media folder {MEDIA} is not present")
    return MEDIA


@pytest.fixture(scope="session")
def bunny(media_dir) -> Path:
    return media_dir / "bigbuckbunny.mp4"


@pytest.fixture(scope="session")
def carphone(media_dir) -> Path:
    return media_dir / "carphone_pristine.mp4"
