"""Fixtures for the integration suites (see cmtest.py for the server classes)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

import cmtest


@pytest.fixture(scope="session")
def ours_demo():
    """Our server with the demo data set, anonymous read-only (the default access)."""
    srv = cmtest.start_target(name="ours-demo", data="demo", access="read")
    yield srv
    srv.stop()


@pytest.fixture
def ours_rw():
    """A fresh empty, read-write server whose revisions start like a fresh etcd."""
    srv = cmtest.start_target(name="ours-rw", data="empty", access="readwrite", initial_revision=1)
    yield srv
    srv.stop()


@pytest.fixture
def etcd_ref():
    """A fresh real etcd (reference)."""
    srv = cmtest.start_reference()
    yield srv
    srv.stop()


@pytest.fixture
def build_dir():
    d = tempfile.mkdtemp(prefix="cmtest-build-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def require_tool(name: str) -> str:
    """Tools are installed by scripts/install-test-deps.sh; skip only if one truly is absent."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed (run scripts/install-test-deps.sh)")
        pytest.skip(f"{name} is not installed and cannot be installed here")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in list(cmtest.LIVE_SERVERS):
            rep.sections.append((f"server log: {srv.name} ({srv.kind}, {srv.endpoint})", srv.log_tail()))


def pytest_sessionfinish(session, exitstatus):
    for srv in list(cmtest.LIVE_SERVERS):
        srv.stop()
