"""The settings of a fit, typed, and saved with it as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Version of the saved-file layout (`consensus.storage`). 2: labelled posterior, design
#: arrays and their fingerprint, truths, soft identification (``bias`` absolute,
#: ``bias_relative``, ``shared``). Files of version 1 still load.
FORMAT_VERSION = 2

#: The default credible-interval probability of every table, summary and plot.
DEFAULT_PROB = 0.9


@dataclass(frozen=True)
class FitConfig:
    """Everything `fit` was asked to do, enough to redo it and to read its posterior."""

    scales: dict[str, str]
    priors: dict[str, float]
    vague: dict[str, list[float]] = field(default_factory=dict)
    reference: list[str] = field(default_factory=list)
    tracked: list[list[str]] = field(default_factory=list)  # [origin, scale] from a track record
    freq: str | int | None = None
    method: str = "nuts"
    sampler: str | None = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.9
    random_seed: int | None = None
    advi_iterations: int | None = None
    exact: list[str] = field(default_factory=list)  # quantities fitted as exact-or-wrong
    format_version: int = FORMAT_VERSION
    consensus_version: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FitConfig:
        """Read a saved config; unknown keys (from a newer version) are an error, missing take defaults."""
        raw: dict[str, Any] = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("the saved fit config is not a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(
                f"the saved fit has settings this version of consensus does not know: {unknown}; "
                "upgrade consensus to read it"
            )
        raw.setdefault("format_version", 1)
        return cls(**raw)
