import subprocess
import sys
from pathlib import Path

import pytest

from phaselab import __version__
from phaselab.cli.main import build_parser, main


def test_version_from_the_console_script_and_module() -> None:
    script = str(Path(sys.executable).with_name("phaselab"))
    for command in ([script, "--version"], [sys.executable, "-m", "phaselab", "--version"]):
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == f"phaselab {__version__}"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert "usage: phaselab" in capsys.readouterr().out


def test_building_the_parser_does_not_import_tensorflow() -> None:
    code = "import sys, phaselab.cli.main as c; c.build_parser(); import phaselab.signal.encodings; print('tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_every_registered_command_has_a_function() -> None:
    subparsers = build_parser()._subparsers._group_actions[0]
    for name, parser in subparsers.choices.items():
        assert parser.get_default("func") is not None or parser._subparsers is not None, name


def test_running_out_of_memory_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    import phaselab.display.movie

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(phaselab.display.movie, "phased_movie", exhausted)
    assert main(["movie", "--word", "marvin", "--out", str(tmp_path / "x.mp4")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("phaselab movie: error: out of memory; make the job smaller")
    assert list(tmp_path.iterdir()) == []


def test_os_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import phaselab.display.movie

    def refused(*args, **kwargs):
        raise IsADirectoryError(21, "Is a directory", "somewhere")

    monkeypatch.setattr(phaselab.display.movie, "phased_movie", refused)
    assert main(["movie", "--word", "marvin", "--out", str(tmp_path / "x.mp4")]) == 1
    assert capsys.readouterr().err == "phaselab movie: error: [Errno 21] Is a directory: 'somewhere'\n"


def test_positive_int() -> None:
    import argparse

    from phaselab.cli.main import positive_int

    assert positive_int("3") == 3
    for text in ("0", "-2", "2.5", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            positive_int(text)
