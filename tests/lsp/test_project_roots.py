"""The project root of a file outside the workspace folders: looked for on disk when the file is
opened, kept while it is edited, looked for again when it is reopened."""

from __future__ import annotations

from pathlib import Path

from shapelens.lsp.projects import ProjectIndex


def test_a_root_found_on_open_is_kept_until_the_file_is_opened_again(tmp_path: Path) -> None:
    folder = tmp_path / "project" / "src"
    folder.mkdir(parents=True)
    script = folder / "train.py"
    uri = script.as_uri()
    index = ProjectIndex(lambda path: None)
    index.opened(uri)
    assert index.project_of(uri).root == str(folder)  # no marker yet: the file's own folder
    (tmp_path / "project" / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    assert index.project_of(uri).root == str(folder)  # edits do not look at the disk again
    index.opened(uri)
    assert index.project_of(uri).root == str(tmp_path / "project")


def test_a_workspace_folder_holding_the_file_is_its_root(tmp_path: Path) -> None:
    script = tmp_path / "pkg" / "model.py"
    script.parent.mkdir()
    index = ProjectIndex(lambda path: None)
    index.configure([tmp_path], [])
    assert index.project_of(script.as_uri()).root == str(tmp_path)
