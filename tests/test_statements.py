"""The statement index: a module's top-level statements from ``ast`` (lines, names bound and
read, imports), as the quick fixes slice and edit the file by it."""

from __future__ import annotations

from textwrap import dedent

from shapelens.analysis.statements import Import, ImportedName, StatementIndex

SOURCE = dedent('''
    """A training script."""
    from __future__ import annotations
    import os, numpy as np
    import torch.nn as nn
    import keras.layers
    from keras import layers as L, Input
    from .helpers import *
    SIZE = 32  # a comment
    a, (b, c) = 1, (2, 3); d = a
    config: dict = {}
    config["size"] += SIZE

    @register(name="net")
    class Net(nn.Module):
        width = SIZE
        def forward(self, x):
            return self.head(x) + later


    for step in range(3):
        total = step
    else:
        done = True
    with open(os.devnull) as handle, lock:
        content = handle.read()
    try:
        import tensorflow as tf
    except ImportError as missing:
        tf = None
    finally:
        cleanup = True
    make = lambda: unknown_until_called
    later = 1
''').lstrip()
INDEX = StatementIndex.of(SOURCE)
LINES = SOURCE.splitlines()


def statement(first: str):
    """The top-level statement whose first line is ``first``."""
    return next(s for s in INDEX.statements if LINES[s.first_line] == first)


def test_each_top_level_statement_has_its_lines_decorators_included():
    assert [(LINES[s.first_line], s.last_line - s.first_line) for s in INDEX.statements][:3] == [
        ('"""A training script."""', 0),
        ("from __future__ import annotations", 0),
        ("import os, numpy as np", 0),
    ]
    net = statement('@register(name="net")')
    assert (net.first_line, net.last_line) == (LINES.index('@register(name="net")'), LINES.index("        return self.head(x) + later"))
    assert len([s for s in INDEX.statements if s.first_line == LINES.index("a, (b, c) = 1, (2, 3); d = a")]) == 2


def test_the_names_a_statement_binds_include_its_nested_blocks_and_not_function_bodies():
    assert statement("import os, numpy as np").binds == {"os", "np"}
    assert statement("import keras.layers").binds == {"keras"}
    assert statement("from keras import layers as L, Input").binds == {"L", "Input"}
    assert statement("from .helpers import *").binds == frozenset()
    assert [s.binds for s in INDEX.statements if s.first_line == LINES.index("a, (b, c) = 1, (2, 3); d = a")] == [
        {"a", "b", "c"}, {"d"},
    ]
    assert statement('config["size"] += SIZE').binds == {"config"}  # it changes what config holds
    assert statement('@register(name="net")').binds == {"Net"}  # not width, forward or x
    assert statement("for step in range(3):").binds == {"step", "total", "done"}
    assert statement("with open(os.devnull) as handle, lock:").binds == {"handle", "content"}
    assert statement("try:").binds == {"tf", "missing", "cleanup"}


def test_the_names_a_statement_reads_and_whether_some_of_its_code_runs_later():
    assert statement('config["size"] += SIZE').uses == {"config", "SIZE"}
    net = statement('@register(name="net")')
    assert net.uses >= {"register", "nn", "SIZE", "later", "self", "x"}
    assert net.reads_later
    assert statement("make = lambda: unknown_until_called").reads_later
    assert not statement("for step in range(3):").reads_later
    assert statement("for step in range(3):").uses == {"range", "step"}


def test_the_imports_with_their_module_names_aliases_and_stars():
    assert INDEX.imports[:6] == (
        Import("__future__", 0, (ImportedName("annotations"),), 1, 1),
        Import(None, 0, (ImportedName("os"), ImportedName("numpy", "np")), 2, 2),
        Import(None, 0, (ImportedName("torch.nn", "nn"),), 3, 3),
        Import(None, 0, (ImportedName("keras.layers"),), 4, 4),
        Import("keras", 0, (ImportedName("layers", "L"), ImportedName("Input")), 5, 5),
        Import("helpers", 1, (ImportedName("*"),), 6, 6),
    )
    assert len(INDEX.imports) == 6  # the import inside ``try`` is not a top-level statement
    assert INDEX.imports[5].star and INDEX.imports[5].is_from and not INDEX.imports[1].is_from
    assert INDEX.imports_name("np") and INDEX.imports_name("keras")


def test_a_star_import_may_bring_any_name():
    assert StatementIndex.of("from keras.layers import *\n").imports_name("Flatten")
    assert not StatementIndex.of("import numpy as np\nfrom keras.layers import Dense\n").imports_name("numpy")


def test_lines_map_to_the_statement_that_holds_them_innermost_first():
    size = LINES.index("SIZE = 32  # a comment")
    assert INDEX.statements[INDEX.position_at(size)].binds == {"SIZE"}
    blank = LINES.index("")
    assert INDEX.position_at(blank) is None
    forward = LINES.index("    def forward(self, x):")
    assert INDEX.statement_lines(forward + 1) == (forward + 1, forward + 1)  # the return
    assert INDEX.statement_lines(forward) == (forward, forward + 1)  # a header: the whole def
    missing = LINES.index("except ImportError as missing:")
    assert INDEX.statement_lines(missing + 1) == (missing + 1, missing + 1)


def test_the_statements_that_read_a_name_are_found_through_the_text_first():
    users = INDEX.users_of(frozenset({"SIZE"}))
    assert {LINES[INDEX.statements[p].first_line] for p in users} == {'config["size"] += SIZE', '@register(name="net")'}
    assert INDEX.users_of(frozenset({"comment"})) == set()  # written in a comment, never read
    assert INDEX.binders["tf"] == (INDEX.statements.index(statement("try:")),)


def test_a_source_that_does_not_parse_has_no_statements():
    for source in ("def broken(:\n", "x = '\0'\n"):
        index = StatementIndex.of(source)
        assert not index.parsed and len(index) == 0 and index.statement_lines(0) is None and index.imports == ()


def test_line_endings_are_counted_as_python_counts_them():
    index = StatementIndex.of("import a\r\nx = a.b\ry = x\nz = 3\n")
    assert [(s.first_line, sorted(s.binds)) for s in index.statements] == [(0, ["a"]), (1, ["x"]), (2, ["y"]), (3, ["z"])]
    assert index.users_of(frozenset({"x"})) == {2}
