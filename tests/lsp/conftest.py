"""Fixtures: a real ``shapelens serve`` subprocess per test, driven over JSON-RPC."""

from __future__ import annotations

import pytest_lsp
from lsp_session import CONFIG, vscode_capabilities
from notebook_session import notebook_capabilities
from lsprotocol import types
from pytest_lsp import LanguageClient


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def utf8_client(lsp_client: LanguageClient):
    """A client that offers UTF-8 positions first, as some editors (Neovim, Helix) do."""
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=vscode_capabilities(["utf-8", "utf-16"]))
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def notebook_client(lsp_client: LanguageClient):
    """VS Code's client with notebook sync, as vscode-languageclient 9 declares it; the server's
    answer to ``initialize`` is kept as ``initialize_result``."""
    lsp_client.initialize_result = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(capabilities=notebook_capabilities())
    )
    yield
    await lsp_client.shutdown_session()
