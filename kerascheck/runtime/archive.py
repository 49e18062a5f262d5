"""Reading a saved model's configuration safely: ``.keras`` zips and legacy ``.h5`` files.

A model file may come from anywhere, so it is treated as hostile: only the
JSON members are read, into memory, with a size cap that holds even when the
zip headers lie; nothing is extracted, executed or unpickled; odd member
names, encrypted members and zip bombs are refused. Every failure is an
:class:`ArchiveError` with a one-line reason, which becomes KC002.

Imports: ``zipfile`` and ``json`` only (``h5py`` for ``.h5``, if installed);
never TensorFlow or Keras.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

MAX_MEMBER_BYTES = 50 * 1024 * 1024  # a config member larger than this is not a config
MAX_RATIO = 100  # compression ratio above which a member is treated as a zip bomb
_RATIO_FLOOR = 1024 * 1024  # small members may compress very well legitimately
MAX_MEMBERS = 100_000
CONFIG_MEMBER = "config.json"
_ALLOWED_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


class ArchiveError(Exception):
    """A saved model that cannot be read; the message is one line for the user."""


@dataclass(frozen=True)
class SavedConfig:
    """A saved model's architecture and (if it was compiled) its compile arguments."""

    model: dict[str, Any]
    compile: dict[str, Any] | None


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name)
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or ".." in path.parts
        or (len(name) > 1 and name[1] == ":")
    ):
        raise ArchiveError(f"suspicious member path {name!r} in the archive")


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"the archive has {len(infos)} members; a Keras model has a handful")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        _check_member_name(info.filename)
        if info.filename in members:
            raise ArchiveError(f"the archive holds {info.filename!r} twice")
        members[info.filename] = info
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, refusing bombs whatever its headers claim."""
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{info.filename} is encrypted")
    if info.compress_type not in _ALLOWED_COMPRESSION:
        raise ArchiveError(f"{info.filename} uses an unexpected compression method ({info.compress_type})")
    if info.file_size > MAX_MEMBER_BYTES:
        raise ArchiveError(
            f"{info.filename} declares {info.file_size / 2**20:.0f} MB uncompressed "
            f"(limit {MAX_MEMBER_BYTES // 2**20} MB)"
        )
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ArchiveError(f"{info.filename} compresses more than {MAX_RATIO}x: refusing a likely zip bomb")
    with archive.open(info) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{info.filename} is larger than {MAX_MEMBER_BYTES // 2**20} MB uncompressed")
    return data


def parse_json(data: bytes | str, what: str) -> Any:
    """JSON from untrusted bytes: bad encoding, bad syntax and absurd nesting are ArchiveErrors."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text)
    except UnicodeDecodeError as error:
        raise ArchiveError(f"{what} is not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise ArchiveError(f"{what} is not valid JSON: {error.msg} at line {error.lineno}") from error
    except RecursionError as error:
        raise ArchiveError(f"{what} is nested too deeply") from error


def read_keras_archive(path: str) -> SavedConfig:
    """The ``config.json`` of a Keras 3 ``.keras`` archive (its ``compile_config`` inside)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_members(archive)
            info = members.get(CONFIG_MEMBER)
            if info is None:
                raise ArchiveError("no config.json in the archive: not a Keras model file")
            try:
                data = _read_member(archive, info)
            except zipfile.BadZipFile as error:
                raise ArchiveError(f"cannot read the archive: {CONFIG_MEMBER} is damaged ({error})") from error
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"not a valid .keras archive (a .keras file is a zip): {error}") from error
    except (OSError, EOFError) as error:
        raise ArchiveError(f"cannot read the archive: {getattr(error, 'strerror', None) or error}") from error
    except (NotImplementedError, RuntimeError, ValueError) as error:
        raise ArchiveError(f"cannot read the archive: {error}") from error
    config = parse_json(data, CONFIG_MEMBER)
    if not isinstance(config, dict):
        raise ArchiveError("config.json is not a JSON object")
    compile_config = config.get("compile_config")
    if compile_config is not None and not isinstance(compile_config, dict):
        raise ArchiveError("compile_config in config.json is not a JSON object")
    return SavedConfig(model=config, compile=compile_config)


def read_h5(path: str) -> SavedConfig:
    """The ``model_config`` (and ``training_config``) attributes of a legacy Keras ``.h5`` file."""
    try:
        import h5py
    except ImportError as error:
        raise ArchiveError("reading .h5 models needs h5py: pip install h5py") from error
    try:
        with h5py.File(path, "r") as handle:
            raw_model = handle.attrs.get("model_config")
            raw_training = handle.attrs.get("training_config")
    except OSError as error:
        raise ArchiveError(
            f"not a readable HDF5 file: {str(error).splitlines()[0] if str(error) else error}"
        ) from error
    except Exception as error:  # h5py raises a variety of types on damaged files
        raise ArchiveError(f"cannot read the HDF5 file: {type(error).__name__}") from error
    if raw_model is None:
        raise ArchiveError("no model_config in the .h5 file (a weights-only file?)")
    model = parse_json(_attribute_text(raw_model), "model_config")
    if not isinstance(model, dict):
        raise ArchiveError("model_config is not a JSON object")
    training = parse_json(_attribute_text(raw_training), "training_config") if raw_training is not None else None
    if training is not None and not isinstance(training, dict):
        raise ArchiveError("training_config is not a JSON object")
    return SavedConfig(model=model, compile=training)


def _attribute_text(value: Any) -> str:
    if isinstance(value, bytes):
        if len(value) > MAX_MEMBER_BYTES:
            raise ArchiveError("a config attribute is larger than the size limit")
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    raise ArchiveError("a config attribute is not text")
