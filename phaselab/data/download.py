"""``phaselab data download``: fetch, check and unpack an official Speech Commands archive.

The archive is streamed to ``DEST/.part-speech_commands_vX.tar.gz`` (:func:`phaselab.atomic.part_path`; an interrupted
download resumes from there with an HTTP Range request when the server allows it),
checked against its SHA-256, unpacked into a temporary folder next to the destination,
checked with :class:`~phaselab.data.speech_commands.SpeechCommands`, and only then
renamed to ``DEST/speech_commands_vX``. A failure leaves no half-written tree behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import sys
import tarfile
import zlib
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from tqdm import tqdm

from phaselab import __version__
from phaselab.atomic import PART_PREFIX, part_path
from phaselab.data.speech_commands import VERSIONS, SpeechCommands

__all__ = ["OFFICIAL_BASE_URL", "KNOWN_SHA256", "DownloadError", "archive_name", "default_dest", "download_speech_commands", "extract_tree"]


OFFICIAL_BASE_URL = "http://download.tensorflow.org/data/"
"""Where Google publishes the archives ``speech_commands_v0.01.tar.gz`` and ``..._v0.02.tar.gz``."""


# SHA-256 of the official archives, as listed in torchaudio's SPEECHCOMMANDS dataset
# (pytorch/audio, torchaudio/datasets/speechcommands.py, the `_CHECKSUMS` table keyed by the
# http://download.tensorflow.org/data/ URLs). The v0.02 value is also the one in TensorFlow
# Datasets' tensorflow_datasets/datasets/speech_commands/checksums.tsv. Not recomputed here:
# phaselab never downloads the real archive in its tests.
KNOWN_SHA256: dict[str, str] = {
    "v0.01": "743935421bb51cccdb6bdd152e04c5c70274e935c82119ad7faeec31780d811d",
    "v0.02": "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
}


CHUNK = 1 << 20
"""Bytes read from the network per step."""


class DownloadError(ValueError):
    """A download or unpacking failure, with a one-line message saying what happened."""


def archive_name(version: str) -> str:
    """The official file name of a release, e.g. ``speech_commands_v0.01.tar.gz``."""
    if version not in VERSIONS:
        raise ValueError(f"unknown Speech Commands version {version!r}; expected one of {', '.join(VERSIONS)}")
    return f"speech_commands_{version}.tar.gz"


def default_dest() -> Path:
    """Where downloads go by default: ``$XDG_CACHE_HOME/phaselab`` (``~/.cache/phaselab``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "phaselab"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def download_speech_commands(
    version: str = "v0.01",
    dest: str | os.PathLike | None = None,
    url: str | None = None,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download, check and unpack a Speech Commands release; return its folder.

    Parameters
    ----------
    version : {"v0.01", "v0.02"}
        The release (v0.01 is the data of the Kaggle challenge).
    dest : str or path-like, optional
        Folder that receives ``speech_commands_<version>/``; :func:`default_dest` if omitted.
    url : str, optional
        Base URL the archive is fetched from (``<url>/speech_commands_<version>.tar.gz``);
        :data:`OFFICIAL_BASE_URL` if omitted. A mirror must serve the official file.
    sha256 : str, optional
        Expected SHA-256 of the archive (64 hex digits); :data:`KNOWN_SHA256` if omitted.
    progress : bool
        Show a progress bar on stderr.
    timeout : float
        Seconds to wait for the server before giving up, per network operation.

    Returns
    -------
    Path
        ``dest/speech_commands_<version>``, a tree :class:`SpeechCommands` reads. If it
        already exists and is valid, nothing is downloaded.

    Raises
    ------
    DownloadError
        On a server error, an interrupted download (the ``.part-`` file is kept so that
        the next run resumes), a checksum mismatch (the ``.part-`` file is deleted), or an
        archive that is unsafe or does not hold a Speech Commands tree.
    """
    name = archive_name(version)
    expected = (sha256 or KNOWN_SHA256[version]).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise ValueError(f"--sha256 must be 64 hexadecimal digits, got {sha256!r}")
    dest = Path(dest) if dest is not None else default_dest()
    final = dest / f"speech_commands_{version}"
    above = next(p for p in (dest.absolute(), *dest.absolute().parents) if p.exists())
    if not above.is_dir():
        raise ValueError(f"{dest}: cannot download into it, {above} is a file, not a directory")
    if final.exists():
        try:
            SpeechCommands(final, version)
        except ValueError as exc:
            raise DownloadError(
                f"{final} exists but is not a valid tree ({exc}); remove it or choose another --dest"
            ) from exc
        _say(f"{final} is already there; nothing to download")
        return final
    dest.mkdir(parents=True, exist_ok=True)
    source = (url or OFFICIAL_BASE_URL).rstrip("/") + "/" + name
    part = part_path(dest / name)
    _fetch(source, part, progress, timeout)
    digest = _sha256(part)
    if digest != expected:
        part.unlink()
        raise DownloadError(
            f"{source}: SHA-256 mismatch (expected {expected}, got {digest}); the corrupt download was deleted"
        )
    _say(f"sha256 {digest} OK")
    try:
        extract_tree(part, final, version)
    except ValueError as exc:
        raise DownloadError(f"{source}: {exc}") from exc
    finally:
        part.unlink()
    _say(f"Speech Commands {version} is in {final}")
    return final


def _fetch(url: str, part: Path, progress: bool, timeout: float) -> None:
    """Stream ``url`` into ``part``, resuming from its current size when the server allows it."""
    for _ in range(2):  # a second pass only after throwing away a .part- file the server cannot continue
        offset = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": f"phaselab/{__version__}"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            response = urlopen(Request(url, headers=headers), timeout=timeout)
        except HTTPError as exc:
            if exc.code == 416 and offset:  # the .part- file is as long as (or longer than) the file: start over
                part.unlink()
                continue
            raise DownloadError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from exc
        except (URLError, OSError) as exc:
            raise DownloadError(f"{url}: cannot download ({getattr(exc, 'reason', exc)})") from exc
        with response:
            if offset and response.status == 206:
                if _range_start(response.headers.get("Content-Range", "")) != offset:
                    part.unlink()
                    continue
                mode = "ab"
            else:
                offset, mode = 0, "wb"  # no resume offered: start over
            _stream(response, url, part, mode, offset, progress)
            return
    raise DownloadError(f"{url}: the server would not continue the partial download {part}, nor restart it")


def _range_start(content_range: str) -> int | None:
    """The first byte of a ``Content-Range: bytes START-END/TOTAL`` header."""
    match = re.match(r"bytes (\d+)-", content_range.strip())
    return int(match[1]) if match else None


def _stream(response: http.client.HTTPResponse, url: str, part: Path, mode: str, offset: int, progress: bool) -> None:
    length = response.headers.get("Content-Length")
    total = offset + int(length) if length is not None else None
    received = offset
    if offset:
        _say(f"resuming {part.name} at byte {offset}")
    with open(part, mode) as out, tqdm(
        total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
        desc=part.name.removeprefix(PART_PREFIX), file=sys.stderr, disable=not progress,
    ) as bar:
        try:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        except (http.client.HTTPException, OSError) as exc:
            raise DownloadError(_interrupted(url, part, received, total, exc)) from exc
    if total is not None and received < total:
        raise DownloadError(_interrupted(url, part, received, total, "the server closed the connection"))


def _interrupted(url: str, part: Path, received: int, total: int | None, why: object) -> str:
    of = f" of {total}" if total is not None else ""
    return (
        f"{url}: download interrupted after {received}{of} bytes ({why}); "
        f"{part} is kept: run the same command again to resume"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _unsafe(member: tarfile.TarInfo) -> str | None:
    """Why a tar member must not be extracted, or None if it is a plain file or folder inside the tree."""
    path = PurePosixPath(member.name)
    if path.is_absolute():
        return "an absolute path"
    if ".." in path.parts:
        return "a '..' component"
    if not (member.isfile() or member.isdir()):
        return "a link or special file"
    return None


def extract_tree(archive: str | os.PathLike, final: str | os.PathLike, version: str | None = None) -> Path:
    """Unpack a Speech Commands ``.tar.gz`` into ``final``, all or nothing.

    The archive is unpacked into a temporary folder next to ``final``, checked with
    :class:`SpeechCommands`, and renamed to ``final`` (``os.replace``). The official
    archives hold the tree at their top level; an archive whose only entry is one
    folder holding the tree is accepted too.

    Parameters
    ----------
    archive : str or path-like
        The ``.tar.gz`` file.
    final : str or path-like
        Folder to create; must not exist.
    version : {"v0.01", "v0.02"}, optional
        Release the tree must be (see :class:`SpeechCommands`).

    Raises
    ------
    DownloadError
        If the archive cannot be read or has a member with an absolute path, a ``..``
        component, or that is a link or special file.
    ValueError
        If the unpacked tree is not a valid Speech Commands tree.
    """
    archive, final = Path(archive), Path(final)
    tmp = part_path(final)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    why = _unsafe(member)
                    if why is not None:
                        raise DownloadError(f"{archive}: refusing to extract {member.name!r}: {why}")
                if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: a second line of defence
                    tar.extractall(tmp, members=members, filter="data")
                else:
                    tar.extractall(tmp, members=members)
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise DownloadError(f"{archive}: not a readable .tar.gz archive ({exc})") from exc
        root = _tree_root(tmp)
        try:
            SpeechCommands(root, version)
        except ValueError as exc:
            raise ValueError(f"the archive does not hold a Speech Commands tree: {exc}") from exc
        os.replace(root, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _tree_root(folder: Path) -> Path:
    """``folder``, or its only entry if that is a folder (an archive with a top-level folder)."""
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not (folder / "validation_list.txt").exists():
        inner = entries[0]
        if any(child.is_dir() for child in inner.iterdir()):
            return inner
    return folder
