"""Where the real datasets live on disk, and how a remote file gets there safely.

The real datasets (IMDB, Jena, GloVe) are downloaded once into a *data home*. The default is
``~/.keras/datasets`` so that files Keras already fetched are reused; ``COURSE_LIB_DATA`` or a
``data_home=`` argument moves it. Each remote file is described once, as data
(:class:`RemoteFile`), and its sha256 is checked before anything reads it. A file that fails
a check is moved aside (:func:`course_lib._files.move_aside`), never deleted: it may be the only
copy a user has.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course_lib._files import file_digest, move_aside

DATA_HOME_ENV = "COURSE_LIB_DATA"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a real dataset: its name in the data home, its URL and its checksum.

    ``checksum`` is a hex digest made with ``algorithm`` (Keras publishes sha256 for some files
    and md5 for others); ``None`` where no digest is published, and the loader then validates
    the file's structure instead.
    """

    filename: str
    url: str
    checksum: str | None = None
    algorithm: str = "sha256"


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The folder holding downloaded datasets, created if missing.

    Precedence: the ``data_home`` argument, then the ``COURSE_LIB_DATA`` environment variable,
    then ``~/.keras/datasets`` (shared with ``keras.datasets``).
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or Path.home() / ".keras" / "datasets"
    path = Path(data_home).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"`data_home` could not be created. Received: data_home={str(path)!r} ({exc}). "
            f"Pass a writable folder or set {DATA_HOME_ENV}."
        ) from exc
    if not path.is_dir():
        raise OSError(f"`data_home` must be a folder. Received: data_home={str(path)!r}")
    return path


_STAND_INS: dict[Path, str] = {}  # path -> sha256; filled only by accept_stand_ins()


def accept_stand_ins(digests: dict[str | os.PathLike, str]) -> None:
    """Accept, in this process only, the files a full-profile rehearsal wrote (path -> sha256).

    A rehearsal executes the chapters on stand-ins of the real datasets at their real sizes
    (:mod:`course_lib.datasets.stand_ins`), whose digests cannot be the published ones.
    Verification stays on: each stand-in is accepted at its own path with its own digest,
    recorded when it was written, and nothing else changes. Only code can call this (the
    rehearsal's first cell in each chapter's kernel, through
    :func:`course_lib.run_context.apply_run_settings`): no file in the data home and no
    environment variable can make an unverified file pass.
    """
    _STAND_INS.update({Path(path).resolve(): digest for path, digest in digests.items()})


# Written into every stand-in archive (its zip comment), so that one left in a data home, where
# no checksum would catch it (Jena's and GloVe's archives have none published), is refused.
STAND_IN_COMMENT = b"course_lib stand-in: invented contents, not the real dataset"


def refuse_unaccepted_stand_in(archive: Path) -> None:
    """Raise an ``OSError`` (moving ``archive`` aside) if it is a rehearsal's stand-in that
    this process did not accept: invented data must never pass for the lecture's. A file that
    is not a zip raises ``zipfile.BadZipFile``, which the loaders already report."""
    with zipfile.ZipFile(archive) as bundle:
        marked = bundle.comment == STAND_IN_COMMENT
    stand_in = _STAND_INS.get(Path(archive).resolve())
    if not marked or (stand_in is not None and file_digest(archive) == stand_in):
        return
    raise OSError(
        f"{archive} is a stand-in written for a full-profile rehearsal "
        f"(course_lib.datasets.stand_ins: invented contents), not the real dataset. It was "
        f"moved aside to {move_aside(archive)}; put the real file in its place, or let the next "
        "call download it.")


def verify_checksum(path: Path, remote: RemoteFile) -> None:
    """Raise an ``OSError`` if ``path`` is not the file ``remote`` describes."""
    if remote.checksum is None:
        return
    stand_in = _STAND_INS.get(Path(path).resolve())
    if stand_in is not None and file_digest(path, "sha256") == stand_in:
        return
    actual = file_digest(path, remote.algorithm)
    if actual != remote.checksum:
        raise OSError(
            f"{path} is not the expected {remote.filename}: its {remote.algorithm} is {actual}, "
            f"expected {remote.checksum}. The file is corrupted or incomplete."
        )


def _probe(url: str, timeout: float) -> str | None:
    """``None`` if ``url`` can be downloaded, else why not; bounded by ``timeout`` seconds.

    A cheap HEAD request first, so that an offline machine fails in seconds instead of hanging
    in a download.
    """
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return None if exc.code == 405 else f"the server answered HTTP {exc.code}"
    except (urllib.error.URLError, socket.timeout, OSError, ValueError) as exc:
        return f"no connection ({getattr(exc, 'reason', exc)})"


def fetch(
    remote: RemoteFile,
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    timeout: float = 5.0,
) -> Path:
    """The local path of ``remote``, downloading it first if needed; always checksum-verified.

    A cached file whose checksum does not match is moved aside (never deleted, never used) and
    downloaded again; every error after that says where the old file went. Offline, the
    ``OSError`` says which file is missing, its URL, and where to put it by hand.
    """
    home = get_data_home(data_home)
    path = home / remote.filename
    moved = ""
    if path.exists():
        try:
            verify_checksum(path, remote)
            return path
        except OSError as exc:
            moved = f"{exc} It was moved aside to {move_aside(path)}. "
    if not download_if_missing:
        raise OSError(
            f"{moved}{remote.filename} is not in the data home {home} and `download_if_missing` "
            f"is False. Download {remote.url} and save it as {path}."
        )
    manual = (
        f"Download it on a connected machine and copy it to {path}, or set {DATA_HOME_ENV} to "
        "a folder that holds it."
    )
    if not os.access(home, os.W_OK):
        raise OSError(
            f"{moved}{remote.filename} is not in the data home {home}, which is not writable, so it cannot "
            f"be downloaded there. Set {DATA_HOME_ENV} to a writable folder, or {manual[0].lower()}{manual[1:]}"
        )
    problem = _probe(remote.url, timeout)
    if problem is not None:
        raise OSError(
            f"{moved}{remote.filename} is not in the data home {home} and {remote.url} cannot be "
            f"reached: {problem}. {manual}"
        )
    import keras  # imported late: the offline path must stay fast

    try:
        downloaded = Path(keras.utils.get_file(
            fname=remote.filename, origin=remote.url, cache_dir=str(home), cache_subdir="."
        ))
    except Exception as exc:  # get_file raises a bare Exception on HTTP and URL errors
        path.unlink(missing_ok=True)
        raise OSError(f"{moved}Downloading {remote.url} failed: {exc}. {manual}") from exc
    try:
        verify_checksum(downloaded, remote)
    except OSError as exc:  # a corrupted download must not be read; kept aside for inspection
        raise OSError(f"{moved}{exc} The download was moved aside to "
                      f"{move_aside(downloaded)}.") from exc
    if moved:
        warnings.warn(f"{moved}A fresh copy was downloaded to {downloaded}.", stacklevel=2)
    return downloaded
