"""Personal models on disk: ``models/NAME.npz`` (the head's arrays) and ``models/NAME.json`` (its
sidecar: field, labels, counts, spellings, metrics, base model, created) in the user data dir, and
which one is active (``active-model.json`` in the user config dir; absent: the shipped model).

Files are written to a temporary name and renamed into place once both are written, the sidecar last, so a model is
listed only once it is whole, and one that cannot be saved (a full disk) leaves a model of that name as it was.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import tokenize
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musictagger.errors import ModelError, MusictaggerError
from musictagger.model.head import PersonalHead
from musictagger.userdirs import config_dir, data_dir, json_bytes, write_atomically, write_json

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SHIPPED = "shipped"
"""What ``musictagger models --use`` calls the shipped model."""


class PersonalModelError(MusictaggerError):
    """A personal model is missing, damaged or badly named; the message says which and why."""


class NoSuchModelError(PersonalModelError):
    """No personal model of that name (neither of its files is there)."""


DAMAGED_ARRAYS = (OSError, ValueError, EOFError, zipfile.BadZipFile, tokenize.TokenError, SyntaxError, ModelError)
"""What reading a damaged ``NAME.npz`` raises: numpy's and zipfile's errors for a file cut short or with changed
bytes (a bad CRC, a header that does not parse), ModelError for one that lacks an array."""


def _way_out(name: str) -> str:
    """What a user can do about damaged personal model ``name``: the command named works where the window, whose
    start it may stop, cannot."""
    return f"learn it again, or delete it (`musictagger models --delete {name}`)"


@dataclass(frozen=True)
class PersonalModelInfo:
    """What the model list shows of one personal model (from its sidecar)."""

    name: str
    field: str
    labels: tuple[str, ...]
    counts: dict[str, int]
    accuracy: float | None
    """Cross-validated, of the labels it was measured on; None when it was measured on none (each label's tracks
    by one artist: the folds' zeros are no measurement)."""
    macro_f1: float | None
    base_model_id: str
    created: str
    active: bool


def models_dir() -> Path:
    return data_dir() / "models"


def active_setting_path() -> Path:
    return config_dir() / "active-model.json"


def check_name(name: str) -> str:
    """``name`` if it can name a model file; PersonalModelError otherwise."""
    if name == SHIPPED or not NAME_PATTERN.match(name):
        raise PersonalModelError(
            f"{name!r} cannot name a personal model: a name starts with a letter or digit, then up to 63 letters, "
            f"digits, '.', '_' or '-', and is not {SHIPPED!r}"
        )
    return name


def save_model(head: PersonalHead, sidecar: dict[str, Any]) -> Path:
    """Write ``head`` and its sidecar as ``head.name`` (replacing a model of that name); returns the sidecar's path."""
    name = check_name(head.name)
    arrays = io.BytesIO()
    np.savez(arrays, **head.to_arrays())
    sidecar_path = models_dir() / f"{name}.json"
    write_atomically((models_dir() / f"{name}.npz", arrays.getvalue()), (sidecar_path, json_bytes(sidecar)))
    return sidecar_path


def saved_stamp(name: str) -> tuple[int, int] | None:
    """Which save of personal model ``name`` is on disk (its sidecar's inode and modification time), None for none:
    two differ when the model was saved in between, which ``learn`` stopped by Ctrl-C says."""
    try:
        stat = (models_dir() / f"{check_name(name)}.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def load_head(name: str) -> PersonalHead:
    """The head of personal model ``name``; PersonalModelError when it is missing or damaged."""
    path = models_dir() / f"{check_name(name)}.npz"
    try:
        with np.load(path) as arrays:
            return PersonalHead.from_arrays(name, dict(arrays))
    except FileNotFoundError as exc:
        raise NoSuchModelError(f"no personal model named {name!r} (see `musictagger models`)") from exc
    except DAMAGED_ARRAYS as exc:
        raise PersonalModelError(f"{path}: cannot read the personal model ({exc}); {_way_out(name)}") from exc


def read_sidecar(name: str) -> dict[str, Any]:
    """The sidecar of personal model ``name``; NoSuchModelError when it is missing, PersonalModelError when damaged."""
    path = models_dir() / f"{check_name(name)}.json"
    try:
        sidecar = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise NoSuchModelError(f"no personal model named {name!r} (see `musictagger models`)") from exc
    except (OSError, ValueError) as exc:
        raise PersonalModelError(f"{path}: cannot read the personal model's sidecar ({exc}); {_way_out(name)}") from exc
    if not isinstance(sidecar, dict):
        raise PersonalModelError(f"{path}: the personal model's sidecar holds no model; {_way_out(name)}")
    return sidecar


@dataclass(frozen=True)
class ModelListing:
    """The personal models on disk, each sidecar read once: those that can be read, by name, and the others."""

    models: list[PersonalModelInfo]
    damaged: dict[str, str]
    """Name → why, for each personal model whose sidecar cannot be read: the list leaves them out, and a user must
    hear of them (and can delete them)."""
    active: str | None
    """The active personal model's name, listed or damaged; None: the shipped model."""


def read_models() -> ModelListing:
    """Every personal model (:class:`ModelListing`), as ``musictagger models`` and the Models dialog list them."""
    active = active_name()
    models: list[PersonalModelInfo] = []
    damaged: dict[str, str] = {}
    for path in sorted(models_dir().glob("[!.]*.json")):  # not a hidden file: a sidecar being written
        try:
            models.append(model_info(path.stem, active))
        except NoSuchModelError:
            continue  # deleted meanwhile
        except PersonalModelError as exc:
            damaged[path.stem] = str(exc)
    return ModelListing(models, damaged, active)


def list_models() -> list[PersonalModelInfo]:
    """Every personal model whose sidecar can be read, by name (:func:`read_models` says which cannot)."""
    return read_models().models


def active_model() -> PersonalModelInfo | None:
    """The active personal model; None: the shipped model is active (also when the chosen one was removed).

    PersonalModelError when its sidecar is there but damaged: its verdicts would otherwise give way to the shipped
    model's without a word."""
    name = active_name()
    if name is None:
        return None
    try:
        return model_info(name, name)
    except NoSuchModelError:
        return None


def active_head(base_model_id: str) -> PersonalHead | None:
    """The active personal model's head if it reads analyses of ``base_model_id``, else None.

    Another process (the window's Models dialog, ``musictagger models --delete``) may delete or change the
    active model between reading which is active and loading it: then the one active after is loaded, as if
    this had been asked a moment later, rather than failing on a model that is gone."""
    info = active_model()
    if info is None or info.base_model_id != base_model_id:
        return None
    try:
        head = load_head(info.name)
    except PersonalModelError:
        if active_name() == info.name:
            raise  # still the active one: it is damaged, which the user must hear
        return active_head(base_model_id)
    return dataclasses.replace(head, field=info.field)


def use(name: str | None) -> None:
    """Make personal model ``name`` the active one; None (or ``"shipped"``): back to the shipped model."""
    if name is None or name == SHIPPED:
        active_setting_path().unlink(missing_ok=True)
        return
    read_sidecar(name)  # it must exist
    load_head(name)
    write_json(active_setting_path(), {"active": name})


def delete(name: str) -> bool:
    """Remove personal model ``name``, damaged or not; whether it was the active one (the shipped model is then
    active again)."""
    files = [models_dir() / f"{check_name(name)}.json", models_dir() / f"{name}.npz"]
    if not any(path.exists() for path in files):
        raise NoSuchModelError(f"no personal model named {name!r} (see `musictagger models`)")
    active = active_name() == name
    if active:
        use(None)
    for path in files:  # the sidecar first: a model is listed by it
        path.unlink(missing_ok=True)
    return active


def active_name() -> str | None:
    try:
        name = json.loads(active_setting_path().read_text())["active"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def model_info(name: str, active: str | None) -> PersonalModelInfo:
    """What the list shows of personal model ``name`` (``active``: the active one's name); NoSuchModelError when
    it is missing, PersonalModelError when its sidecar is damaged or lacks what the list shows."""
    sidecar = read_sidecar(name)
    try:
        metrics = sidecar["metrics"]
        measured = any(score.get("measured", True) for score in metrics.get("per_label") or [{}])
        return PersonalModelInfo(
            name=name,
            field=sidecar["field"],
            labels=tuple(sidecar["labels"]),
            counts=dict(sidecar["counts"]),
            accuracy=float(metrics["accuracy"]) if measured else None,
            macro_f1=float(metrics["macro_f1"]) if measured else None,
            base_model_id=sidecar["base_model_id"],
            created=sidecar["created"],
            active=name == active,
        )
    except (KeyError, TypeError, ValueError) as exc:
        path = models_dir() / f"{name}.json"
        what = f"it has no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise PersonalModelError(
            f"{path}: cannot read the personal model's sidecar ({what}); {_way_out(name)}"
        ) from exc
