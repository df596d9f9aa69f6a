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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musictagger.errors import MusictaggerError
from musictagger.model.head import PersonalHead
from musictagger.userdirs import config_dir, data_dir, json_bytes, write_atomically, write_json

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SHIPPED = "shipped"
"""What ``musictagger models --use`` calls the shipped model."""


class PersonalModelError(MusictaggerError):
    """A personal model is missing, damaged or badly named; the message says which and why."""


@dataclass(frozen=True)
class PersonalModelInfo:
    """What the model list shows of one personal model (from its sidecar)."""

    name: str
    field: str
    labels: tuple[str, ...]
    counts: dict[str, int]
    accuracy: float
    macro_f1: float
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


def load_head(name: str) -> PersonalHead:
    """The head of personal model ``name``; PersonalModelError when it is missing or damaged."""
    path = models_dir() / f"{check_name(name)}.npz"
    try:
        with np.load(path) as arrays:
            return PersonalHead.from_arrays(name, dict(arrays))
    except FileNotFoundError as exc:
        raise PersonalModelError(f"no personal model named {name!r} (see `musictagger models`)") from exc
    except (OSError, ValueError) as exc:
        raise PersonalModelError(f"{path}: cannot read the personal model ({exc}); learn it again") from exc


def read_sidecar(name: str) -> dict[str, Any]:
    path = models_dir() / f"{check_name(name)}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise PersonalModelError(f"no personal model named {name!r} (see `musictagger models`)") from exc
    except (OSError, ValueError) as exc:
        raise PersonalModelError(f"{path}: cannot read the personal model's sidecar ({exc}); learn it again") from exc


def list_models() -> list[PersonalModelInfo]:
    """Every personal model, by name (a damaged sidecar is left out)."""
    active = _active_name()
    infos = []
    for path in sorted(models_dir().glob("*.json")):
        try:
            infos.append(_info(path.stem, json.loads(path.read_text()), active))
        except (OSError, ValueError, KeyError):
            continue
    return infos


def active_model() -> PersonalModelInfo | None:
    """The active personal model; None: the shipped model is active (also when the chosen one was removed)."""
    name = _active_name()
    if name is None:
        return None
    try:
        return _info(name, read_sidecar(name), name)
    except (PersonalModelError, KeyError):
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
        if _active_name() == info.name:
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


def delete(name: str) -> None:
    """Remove personal model ``name``; deleting the active one reverts to the shipped model."""
    read_sidecar(name)
    if _active_name() == name:
        use(None)
    (models_dir() / f"{name}.json").unlink()
    (models_dir() / f"{name}.npz").unlink(missing_ok=True)


def _active_name() -> str | None:
    try:
        name = json.loads(active_setting_path().read_text())["active"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _info(name: str, sidecar: dict[str, Any], active: str | None) -> PersonalModelInfo:
    metrics = sidecar["metrics"]
    return PersonalModelInfo(
        name=name,
        field=sidecar["field"],
        labels=tuple(sidecar["labels"]),
        counts=dict(sidecar["counts"]),
        accuracy=float(metrics["accuracy"]),
        macro_f1=float(metrics["macro_f1"]),
        base_model_id=sidecar["base_model_id"],
        created=sidecar["created"],
        active=name == active,
    )
