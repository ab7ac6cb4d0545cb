from pathlib import Path

import pytest

from phaselab.atomic import (
    PART_PREFIX,
    atomic_path,
    check_output_file,
    part_path,
    write_text,
)


def test_part_path_keeps_the_suffix() -> None:
    assert part_path(Path("d") / "best.keras") == Path("d") / ".part-best.keras"
    assert PART_PREFIX == ".part-"


def test_atomic_path_renames_on_success_and_removes_a_stale_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    (tmp_path / ".part-a.txt").write_text("stale")
    with atomic_path(target) as tmp:
        assert not tmp.exists()  # the stale temporary is gone before the write
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_atomic_path_leaves_the_old_file_on_failure(tmp_path: Path, error: type) -> None:
    target = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(error):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise error()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_check_output_file_says_what_is_wrong(tmp_path: Path) -> None:
    assert check_output_file(tmp_path / "x.json") == tmp_path / "x.json"
    (tmp_path / "file").write_text("")
    for path, message in [
        (tmp_path, "cannot write the scores, this is a directory"),
        (tmp_path / "missing" / "x.json", "directory .*missing does not exist$"),
        (tmp_path / "file" / "sub" / "x.json", "does not exist: .*file is a file, not a directory"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_output_file(path, "the scores")


def test_atomic_dir_replaces_a_folder_only_when_the_new_one_is_complete(tmp_path):
    from phaselab.atomic import atomic_dir, part_path

    out = tmp_path / "tree"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as tmp:
            (tmp / "new.txt").write_text("new")
            raise RuntimeError("killed half-way")
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tree"]
    part_path(out).mkdir()  # a stale temporary of a killed build
    with atomic_dir(out) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tree"]


def test_write_json_writes_nan_and_infinity_as_null(tmp_path):
    import json

    import numpy as np

    from phaselab.atomic import write_json

    path = write_json({"f1": [np.float32("nan"), 0.5], "loss": float("inf"), "n": np.int64(3)}, tmp_path / "s.json")
    assert json.loads(path.read_text()) == {"f1": [None, 0.5], "loss": None, "n": 3}
