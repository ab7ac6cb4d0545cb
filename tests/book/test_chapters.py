from pathlib import Path

from phaselab.book.chapters import CHAPTERS, chapter_files, chapters_table

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_the_table_lists_every_chapter_of_the_folder_in_order():
    assert chapter_files(NOTEBOOKS) == [c.file for c in CHAPTERS]
    for chapter in CHAPTERS:
        assert all(before < chapter.number for before in chapter.after), chapter.file


def test_chapters_table_takes_titles_from_the_notebooks(tmp_path):
    lines = chapters_table(NOTEBOOKS).splitlines()
    assert len(lines) == 2 + len(CHAPTERS)
    assert lines[3].startswith("| 01 | 01 · Phase randomisation")
    assert chapter_files(tmp_path) == []
