"""Fixtures for the hostile-room suite: real ``quizwire stub`` subprocesses with the limits
under test set small, and in-process stubs where a test needs to reach inside."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conformance.conftest import launch
from tests.conformance.wire import Endpoint


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[Endpoint]:
    """A stub with the defaults a host gets from ``quizwire stub``."""
    yield from launch(tmp_path)


@pytest.fixture
def quick_stub(tmp_path: Path) -> Iterator[Endpoint]:
    """A stub whose idle timeout is half a second, so tests of it stay short."""
    yield from launch(tmp_path, "--idle-timeout", "0.5")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
