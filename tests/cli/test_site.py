"""phaselab.cli.site: the ``phaselab site`` command."""

from __future__ import annotations

from chapter_notebooks import write_chapters

from phaselab.cli.main import main
from phaselab.cli.site import chapters_in


def test_site_command(tmp_path, capsys):
    write_chapters(tmp_path)
    (tmp_path / "notes.ipynb").write_text("{}")  # not a chapter: not taken from the folder
    assert chapters_in([str(tmp_path)]) == [tmp_path / "01_first.ipynb", tmp_path / "02_second.ipynb"]
    assert main(["site", str(tmp_path), "--out", str(tmp_path / "site")]) == 0
    assert "2 chapter pages (2 widget outputs" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["site", str(empty), "--out", str(tmp_path / "site2")]) == 1
    assert "no executed chapters" in capsys.readouterr().err
    assert main(["site", str(tmp_path), "--out", str(tmp_path / "no" / "site")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_site_command_with_movies(tmp_path, capsys):
    write_chapters(tmp_path)
    movies = tmp_path / "movies"
    movies.mkdir()
    (movies / "a.mp4").write_bytes(b"\x00" * 16)
    assert main(["site", str(tmp_path), "--movies", str(movies), "--out", str(tmp_path / "site")]) == 0
    assert "2 chapter pages (2 widget outputs made static, 1 movie)" in capsys.readouterr().out
    assert (tmp_path / "site" / "movies" / "a.mp4").is_file() and (tmp_path / "site" / "movies.html").is_file()
    assert main(["site", str(tmp_path), "--movies", str(tmp_path / "none"), "--out", str(tmp_path / "site")]) == 1
    assert "no such folder of movies" in capsys.readouterr().err
