"""``phaselab data download`` for real, against an HTTP server on 127.0.0.1 serving archives the tests build."""

from __future__ import annotations

import hashlib
import io
import re
import socket
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from phaselab.atomic import part_path
from phaselab.cli.main import main
from phaselab.data.download import (
    KNOWN_SHA256,
    DownloadError,
    download_speech_commands,
    extract_tree,
)
from phaselab.data.speech_commands import SpeechCommands
from phaselab.signal.audio import write_wav

V1_NAME = "speech_commands_v0.01.tar.gz"


def build_tree(root: Path, words: tuple[str, ...] = ("yes", "no", "bed")) -> Path:
    """A tiny official-layout tree: three clips per word, lists, one noise file."""
    tone = (0.1 * np.sin(np.arange(400) * 0.3)).astype(np.float32)
    for word in words:
        (root / word).mkdir(parents=True)
        for i in range(3):
            write_wav(root / word / f"a{i}b2c3d4_nohash_{i}.wav", tone * (i + 1))
    (root / "_background_noise_").mkdir()
    write_wav(root / "_background_noise_" / "white_noise.wav", tone)
    (root / "validation_list.txt").write_text(f"{words[0]}/a0b2c3d4_nohash_0.wav\n")
    (root / "testing_list.txt").write_text(f"{words[1]}/a1b2c3d4_nohash_1.wav\n")
    return root


def tar_gz(tree: Path | None = None, arcname: str = ".", extra: dict[str, bytes] | None = None) -> bytes:
    """A .tar.gz of ``tree`` (members "./word/..." like the official archives) plus raw ``extra`` members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        if tree is not None:
            tar.add(tree, arcname=arcname)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Server:
    """What the test server serves, how it misbehaves per request, and what it was asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.modes: list[str] = []  # one per coming request: ok, truncate, error, norange
        self.requests: list[tuple[str, str | None]] = []
        self.base = ""


def make_handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            wanted = self.headers.get("Range")
            state.requests.append((self.path, wanted))
            mode = state.modes.pop(0) if state.modes else "ok"
            body = state.files.get(self.path)
            if mode == "error":
                self.send_error(500, "Internal Server Error")
                return
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            if wanted and mode != "norange":
                start = int(re.fullmatch(r"bytes=(\d+)-", wanted)[1])
                if start >= len(body):
                    self.send_error(416, "Range Not Satisfiable")
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))  # a lie when truncating
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2] if mode == "truncate" else payload)

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}/data/"
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def archive(tmp_path: Path) -> bytes:
    return tar_gz(build_tree(tmp_path / "source"))


def fetch(server: Server, dest: Path, data: bytes | None = None, **kwargs: object) -> Path:
    """Run the downloader for v0.01 against the test server (checksum of ``data`` unless given)."""
    kwargs.setdefault("sha256", sha(data) if data is not None else None)
    return download_speech_commands("v0.01", dest=dest, url=server.base, progress=False, timeout=10, **kwargs)


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


def test_good_archive(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    final = fetch(server, dest, archive)
    assert final == dest / "speech_commands_v0.01"
    data = SpeechCommands(final)
    assert data.version == "v0.01" and data.words == ("bed", "no", "yes")
    assert len(data.clips("train")) == 7 and len(data.clips("validation")) == 1
    assert [p.name for p in data.background_noise_files()] == ["white_noise.wav"]
    assert leftovers(dest) == ["speech_commands_v0.01"]  # no .part, no temporary folder
    assert server.requests == [("/data/" + V1_NAME, None)]
    # a second run finds the tree and asks the server nothing
    assert fetch(server, dest, archive) == final
    assert len(server.requests) == 1


def test_archive_with_a_top_level_folder(server: Server, tmp_path: Path) -> None:
    data = tar_gz(build_tree(tmp_path / "source"), arcname="speech_commands_v0.01")
    server.files["/data/" + V1_NAME] = data
    final = fetch(server, tmp_path / "dest", data)
    assert SpeechCommands(final).words == ("bed", "no", "yes")
    assert leftovers(tmp_path / "dest") == ["speech_commands_v0.01"]


def test_wrong_checksum_deletes_the_download(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=f"SHA-256 mismatch \\(expected {'0' * 64}, got {sha(archive)}\\)"):
        fetch(server, dest, sha256="0" * 64)
    assert leftovers(dest) == []
    # without --sha256 the published checksum of the real archive is the reference
    with pytest.raises(DownloadError, match=f"expected {KNOWN_SHA256['v0.01']}"):
        fetch(server, dest)
    assert leftovers(dest) == []
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        fetch(server, dest, sha256="abc")


def test_server_error(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    server.modes = ["error"]
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match="HTTP 500"):
        fetch(server, dest, archive)
    assert leftovers(dest) == []
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_speech_commands("v0.02", dest=dest, url=server.base, sha256=sha(archive), progress=False)


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot download"):
        download_speech_commands("v0.01", dest=tmp_path, url=f"http://127.0.0.1:{port}/", sha256="0" * 64,
                                 progress=False, timeout=5)


def test_truncated_download_then_resume(server: Server, archive: bytes, tmp_path: Path) -> None:
    url_path = "/data/" + V1_NAME
    server.files[url_path] = archive
    server.modes = ["truncate"]
    dest = tmp_path / "dest"
    half = len(archive) // 2
    with pytest.raises(DownloadError, match=f"interrupted after {half} of {len(archive)} bytes.*run the same command"):
        fetch(server, dest, archive)
    part = part_path(dest / V1_NAME)
    assert leftovers(dest) == [part.name]  # nothing in the final location
    assert part.read_bytes() == archive[:half]
    final = fetch(server, dest, archive)
    assert server.requests[-1] == (url_path, f"bytes={half}-")
    assert len(SpeechCommands(final).clips("all")) == 9
    assert leftovers(dest) == ["speech_commands_v0.01"]


def test_resume_from_a_part_file(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    dest.mkdir()
    part_path(dest / V1_NAME).write_bytes(archive[:100])
    final = fetch(server, dest, archive)
    assert [rng for _, rng in server.requests] == ["bytes=100-"]
    assert SpeechCommands(final).words == ("bed", "no", "yes")


def test_restart_when_the_server_ignores_range(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    server.modes = ["norange"]
    dest = tmp_path / "dest"
    dest.mkdir()
    part_path(dest / V1_NAME).write_bytes(b"stale bytes from another file" * 10)
    final = fetch(server, dest, archive)
    assert [rng for _, rng in server.requests] == ["bytes=290-"]  # asked, got 200 and the whole file
    assert len(SpeechCommands(final).clips("all")) == 9


def test_part_longer_than_the_file_restarts(server: Server, archive: bytes, tmp_path: Path) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    dest.mkdir()
    part_path(dest / V1_NAME).write_bytes(b"x" * (len(archive) + 10))
    final = fetch(server, dest, archive)
    assert [rng for _, rng in server.requests] == [f"bytes={len(archive) + 10}-", None]
    assert leftovers(dest) == [final.name]


def test_corrupt_part_fails_the_checksum_then_a_second_run_succeeds(
    server: Server, archive: bytes, tmp_path: Path
) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    dest.mkdir()
    part_path(dest / V1_NAME).write_bytes(b"\0" * 50)  # right length, wrong bytes
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        fetch(server, dest, archive)
    assert leftovers(dest) == []
    final = fetch(server, dest, archive)
    assert server.requests[-1][1] is None
    assert len(SpeechCommands(final).clips("all")) == 9


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/phaselab-evil.txt", "yes/../../evil.txt"])
def test_unsafe_members_are_refused(server: Server, tmp_path: Path, member: str) -> None:
    data = tar_gz(build_tree(tmp_path / "source"), extra={member: b"gotcha"})
    server.files["/data/" + V1_NAME] = data
    dest = tmp_path / "a" / "dest"
    with pytest.raises(DownloadError, match=f"refusing to extract {re.escape(repr(member))}"):
        fetch(server, dest, data)
    assert leftovers(dest) == []
    assert not (tmp_path / "a" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("yes/link_nohash_0.wav")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    path = tmp_path / "a.tar.gz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DownloadError, match="a link or special file"):
        extract_tree(path, tmp_path / "out")
    assert leftovers(tmp_path) == ["a.tar.gz"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("no_tree", "does not hold a Speech Commands tree.*no word folders"),
     ("v2_words", "v0.01 asked for, but the tree has v0.02 words"),
     ("not_tar", "not a readable .tar.gz")],
)
def test_archives_that_are_not_the_release(server: Server, tmp_path: Path, kind: str, message: str) -> None:
    if kind == "no_tree":
        data = tar_gz(extra={"README.md": b"hello"})
    elif kind == "v2_words":
        data = tar_gz(build_tree(tmp_path / "source", words=("yes", "no", "follow")))
    else:
        data = b"this is not gzip" * 20
    server.files["/data/" + V1_NAME] = data
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=message):
        fetch(server, dest, data)
    assert leftovers(dest) == []


def test_existing_broken_destination_is_not_touched(server: Server, archive: bytes, tmp_path: Path) -> None:
    final = tmp_path / "dest" / "speech_commands_v0.01"
    final.mkdir(parents=True)
    (final / "notes.txt").write_text("mine")
    with pytest.raises(DownloadError, match="exists but is not a valid tree"):
        fetch(server, tmp_path / "dest", archive)
    assert leftovers(final) == ["notes.txt"]
    assert server.requests == []


def test_cli_end_to_end(server: Server, archive: bytes, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    server.files["/data/" + V1_NAME] = archive
    dest = tmp_path / "dest"
    args = ["data", "download", "--version", "v0.01", "--dest", str(dest), "--url", server.base, "--quiet"]
    server.modes = ["error"]
    assert main(args + ["--sha256", sha(archive)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("phaselab data: error:") and "HTTP 500" in err and "\n" not in err
    assert main(args + ["--sha256", sha(archive)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(dest / "speech_commands_v0.01")
    assert f"sha256 {sha(archive)} OK" in err and "PHASELAB_DATA=" in err
    assert len(SpeechCommands(out.strip()).clips("all")) == 9


def test_cli_progress_bar_goes_to_stderr(server: Server, archive: bytes, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    server.files["/data/" + V1_NAME] = archive
    assert main(["data", "download", "--dest", str(tmp_path), "--url", server.base, "--sha256", sha(archive)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "speech_commands_v0.01")
    assert "speech_commands_v0.01.tar.gz" in err and "100%" in err


def test_a_destination_under_a_file_is_refused_before_any_download(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for dest in (blocker, blocker / "sub"):
        assert main(["data", "download", "--dest", str(dest), "--url", "http://127.0.0.1:9", "--quiet"]) == 1
        err = capsys.readouterr().err
        assert err == f"phaselab data: error: {dest}: cannot download into it, {blocker} is a file, not a directory\n"
    assert blocker.read_text() == "not a folder" and sorted(p.name for p in tmp_path.iterdir()) == ["file"]
