"""Shared pytest fixtures for the server tests: the conformance-fixture world and a client."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from permapress.server.app import create_app

sys.path.insert(0, str(Path(__file__).parent))  # the suite may run with --import-mode=importlib
from world import World, build_world  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def world() -> World:
    return build_world()


@pytest.fixture(scope="session")
def client(world: World) -> Iterator[TestClient]:
    app = create_app(
        blocks=world.store,
        site_root=lambda: world.site_root,
        is_served=world.served.is_served,
        site_name="Test Gazette",
    )
    with TestClient(app) as test_client:
        yield test_client
