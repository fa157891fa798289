"""The server stays up through every prefix of a model file typed one character at a time,
and through garbage documents, answering a hover after each edit."""

from __future__ import annotations

import asyncio
import random

from lsp_session import configure, diagnostics_for, fixture_text, open_document, replace_all
from lsprotocol import types
from pytest_lsp import LanguageClient

GARBAGE_ALPHABET = (
    list("()[]{}:,.=+-*/%@'\"\\#_ \t\n\n\n\r")
    + ["\r\n", "\x0c", "\u2028", "\x00", "😀", "🧠", "形状", "é", "\ufeff"]
    + ["def ", "class ", "lambda ", "import keras\n", "layers.Conv2D(", "keras.Sequential([", "Input(shape=("]
    + ["layers.MaxPooling2D(", "model.add(", ")(x)", "0", "7", "-1", "None", "'same'", "if True:\n    "]
)


async def hover_somewhere(client: LanguageClient, uri: str, line: int, character: int):
    return await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        ),
        timeout=10,
    )


def failed_analyses(client: LanguageClient) -> list[str]:
    """Engine exceptions the server caught and logged (tests run the engine in strict mode)."""
    return [m.message for m in client.log_messages if m.type == types.MessageType.Error]


async def analyse_every_change(client: LanguageClient) -> None:
    await configure(client, debounceMs=0)


async def test_every_prefix_of_a_model_typed_character_by_character(client: LanguageClient):
    await analyse_every_change(client)
    text = fixture_text("pooling_too_deep.py")
    uri = "untitled:typing.py"
    open_document(client, uri, "")
    line = character = 0
    for version, char in enumerate(text, start=2):
        end = types.Position(line=line, character=character)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text=char)],
            )
        )
        line, character = (line + 1, 0) if char == "\n" else (line, character + 1)
        await hover_somewhere(client, uri, max(line - 1, 0), 6)

    final = await diagnostics_for(client, uri, version=len(text) + 1)
    assert [d.code for d in final] == ["negative-dimension"]
    assert failed_analyses(client) == []


async def test_garbage_documents(client: LanguageClient):
    await analyse_every_change(client)
    rng = random.Random(20261122)
    uri = "untitled:garbage.py"
    open_document(client, uri, "")
    version = 1
    for _ in range(60):
        garbage = "".join(rng.choice(GARBAGE_ALPHABET) for _ in range(rng.randint(0, 400)))
        version += 1
        replace_all(client, uri, version, garbage)
        line_count = garbage.count("\n") + 1
        await hover_somewhere(client, uri, rng.randrange(line_count), rng.randrange(0, 40))

    version += 1
    replace_all(client, uri, version, fixture_text("pool_too_large.py"))
    final = await diagnostics_for(client, uri, version=version)
    assert [d.code for d in final] == ["negative-dimension"]
    assert failed_analyses(client) == []
