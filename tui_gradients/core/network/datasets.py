"""The data a network trains on: the shipped penguins, any CSV file, or TensorFlow Playground's
2-D toy sets.

Every refusal is one line naming the setting (`data`, `features`, `target`, `task`) and, for a
cell, the file's row and column. Rows whose used cells are missing (empty or NA, as the penguins
file marks two birds) are left out, and the count says so.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tui_gradients.core.errors import SettingError
from tui_gradients.core.objectives.data import packaged, read_text
from tui_gradients.core.objectives.regression import STANDARDIZED, mean_and_spread
from tui_gradients.core.text import inert

Array = np.ndarray
PENGUIN_MEASUREMENTS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
TOYS = ("circle", "xor", "gaussian", "spiral")
"""TensorFlow Playground's classification sets, as its dataset.ts draws them (noise 0)."""
BUILT_IN = ("penguins", "body_mass", *TOYS)
TASKS = ("classify", "regress")
MAX_CLASSES = 64
TOY_SAMPLES = 200
MISSING = ("", "NA", "na", "NaN", "nan")


@dataclass(frozen=True)
class DataSettings:
    """Where the data comes from: a built-in set's name or a CSV path, and how it is read."""

    source: str = "penguins"
    features: tuple[str, ...] = ()
    """A CSV file's feature columns (empty: every numeric column but the target)."""
    target: str = ""
    """A CSV file's target column (empty: its last column)."""
    task: str = ""
    """classify or regress (empty: the set's own; a CSV's is regress unless asked)."""
    standardize: str = "xy"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.task not in ("", *TASKS):
            raise SettingError("task", f"must be classify or regress, got {self.task!r}")
        if self.standardize not in STANDARDIZED:
            choices = ", ".join(STANDARDIZED)
            raise SettingError("standardize", f"must be one of {choices}, got {self.standardize!r}")


@dataclass(frozen=True, eq=False)
class Dataset:
    x: Array
    """(samples, features), standardised as asked."""
    target: Array
    """Class numbers (samples,) as floats, or values (samples, 1)."""
    feature_names: tuple[str, ...]
    target_name: str
    classes: tuple[str, ...] | None
    """The class labels in number order, or None for a numeric target."""
    skipped: int = 0
    """Rows left out for a missing value."""

    @property
    def task(self) -> str:
        return "regress" if self.classes is None else "classify"

    @property
    def outputs(self) -> int:
        return 1 if self.classes is None else len(self.classes)

    @property
    def loss(self) -> str:
        return "mse" if self.classes is None else "cross_entropy"

    def describe(self) -> str:
        kind = f"{len(self.classes)} classes" if self.classes else "a number"
        left_out = f" ({self.skipped} with missing values left out)" if self.skipped else ""
        return f"{len(self.x)} samples{left_out}, {self.x.shape[1]} features → {kind}"


def load(settings: DataSettings) -> Dataset:
    """The data set the settings describe, standardised as asked."""
    raw = _raw(settings)
    x, target = raw.x, raw.target
    if settings.standardize != "none":
        x = _standardised(x, raw.feature_names, "features")
    if settings.standardize == "xy" and raw.classes is None:
        target = _standardised(target, (raw.target_name,), "target")
    return Dataset(x, target, raw.feature_names, raw.target_name, raw.classes, raw.skipped)


def _standardised(values: Array, names: tuple[str, ...], setting: str) -> Array:
    columns = []
    for column, name in zip(values.T, names, strict=True):
        mean, spread = mean_and_spread(column)
        if spread == 0:
            raise SettingError(setting, f"column {name!r} is constant ({mean:g}): nothing to learn")
        columns.append((column - mean) / spread)
    return np.stack(columns, axis=1)


def _raw(settings: DataSettings) -> Dataset:
    source = settings.source
    if source in TOYS:
        if settings.task == "regress":
            raise SettingError("task", f"{source} is a classification set")
        return _toy(source, settings.seed)
    if source == "penguins":
        task = settings.task or "classify"
        if task == "classify":
            return _read(packaged("penguins.csv"), PENGUIN_MEASUREMENTS, "species", True)
        return _read(packaged("penguins.csv"), PENGUIN_MEASUREMENTS[:3], "body_mass_g", False)
    if source == "body_mass":
        classify = settings.task == "classify"
        return _read(packaged("penguins.csv"), PENGUIN_MEASUREMENTS[:3], "body_mass_g", classify)
    return _read(source, settings.features, settings.target, settings.task == "classify")


@lru_cache(maxsize=4)
def _read(path: str, features: tuple[str, ...], target: str, classify: bool) -> Dataset:
    text = read_text(path)
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    except csv.Error as error:
        raise SettingError("data", f"{path}: not CSV: {error}") from None
    if not rows:
        raise SettingError("data", f"{path}: empty; expected a header row, then data rows")
    names = [inert(name.strip()) for name in rows[0]]
    body = rows[1:]
    for number, row in enumerate(body, start=1):
        if len(row) != len(names):
            raise SettingError(
                "data", f"{path}: row {number} has {len(row)} cells, the header {len(names)}"
            )
    target = target or names[-1]
    at = _position(path, names, target, "target")
    chosen = features or tuple(n for i, n in enumerate(names) if i != at and _numeric(body, i))
    if not chosen:
        raise SettingError("features", f"{path} has no column of numbers besides {target!r}")
    if target in chosen:
        raise SettingError("features", f"{target!r} is the target; it cannot be a feature too")
    columns = [_position(path, names, name, "features") for name in chosen]
    kept = [row for row in body if all(row[i].strip() not in MISSING for i in (*columns, at))]
    if len(kept) < 2:
        raise SettingError("data", f"{path}: {len(kept)} complete row(s); training needs 2")
    x = np.empty((len(kept), len(columns)))
    for j, i in enumerate(columns):
        x[:, j] = _numbers(path, body, kept, i, names[i])
    labels = [row[at].strip() for row in kept]
    if classify:
        classes = tuple(sorted(set(labels), key=_label_order))
        if not 2 <= len(classes) <= MAX_CLASSES:
            plural = "es" if len(classes) > 1 else ""
            counted = f"column {target!r} has {len(classes)} class{plural}"
            raise SettingError("target", f"{counted}; classification takes 2 to {MAX_CLASSES}")
        numbered = {label: float(k) for k, label in enumerate(classes)}
        y = np.array([numbered[label] for label in labels])
        shown = tuple(inert(label) for label in classes)
        return Dataset(x, y, tuple(chosen), target, shown, len(body) - len(kept))
    y = _numbers(path, body, kept, at, target)[:, None]
    return Dataset(x, y, tuple(chosen), target, None, len(body) - len(kept))


def _label_order(label: str) -> tuple[int, float, str]:
    """Numbers in numeric order, then text in its own."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def _numeric(body: list[list[str]], at: int) -> bool:
    for row in body:
        cell = row[at].strip()
        if cell not in MISSING:
            try:
                float(cell)
            except ValueError:
                return False
            return True
    return False


def _numbers(path: str, body: list[list[str]], kept: list[list[str]], at: int, name: str) -> Array:
    try:
        values = np.array([row[at] for row in kept], dtype=float)
    except ValueError:
        values = np.full(len(kept), math.nan)
        for i, row in enumerate(kept):
            try:
                values[i] = float(row[at])
            except ValueError:
                number = body.index(row) + 1
                shown = inert(row[at].strip()[:20])
                raise SettingError(
                    "data", f"{path}: row {number}, column {name!r}: {shown!r} is not a number"
                ) from None
    if not np.isfinite(values).all():
        number = body.index(kept[int(np.argmin(np.isfinite(values)))]) + 1
        raise SettingError("data", f"{path}: row {number}, column {name!r} is not a finite number")
    return values


def _position(path: str, names: list[str], name: str, setting: str) -> int:
    if name not in names:
        raise SettingError(setting, f"no column {name!r} in {path} (it has: {', '.join(names)})")
    return names.index(name)


def _toy(name: str, seed: int) -> Dataset:
    """Playground's draws, with its labels −1 and +1 numbered 0 and 1."""
    rng = np.random.default_rng(seed)
    n, half = TOY_SAMPLES, TOY_SAMPLES // 2
    if name == "circle":
        radius = 5.0
        r = np.concatenate(
            [rng.uniform(0, 0.5 * radius, half), rng.uniform(0.7 * radius, radius, half)]
        )
        angle = rng.uniform(0, 2 * math.pi, n)
        points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        labels = np.hypot(points[:, 0], points[:, 1]) < 0.5 * radius
    elif name == "xor":
        points = rng.uniform(-5, 5, (n, 2))
        points += np.where(points > 0, 0.3, -0.3)
        labels = points[:, 0] * points[:, 1] >= 0
    elif name == "gaussian":
        centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], half, axis=0)
        points = rng.normal(centres, math.sqrt(0.5))
        labels = np.arange(n) < half
    else:
        i = np.tile(np.arange(half), 2)
        r = i / half * 5
        t = 1.75 * i / half * 2 * math.pi + np.repeat([0.0, math.pi], half)
        points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        labels = np.arange(n) < half
    return Dataset(points, labels.astype(float), ("x1", "x2"), name, ("-1", "+1"))
