"""Saving and loading an `Estimate`: one netCDF file, no pickle, checked on the way back.

Layout (format `consensus.config.FORMAT_VERSION`):

- ``posterior``, ``sample_stats`` (NUTS) or ``advi`` (ADVI): as sampled; ``latent``
  carries ``time_quantity`` and ``time_date`` labels;
- ``candidates`` (fits with exact-or-wrong quantities): each claimed figure's probability
  of being the truth; their ``latent`` is the truth with the figures chosen, and
  ``latent_continuous`` the sampled value;
- ``claims``: the claims table as text, exactly as read;
- ``truths``: the known truths as text (only when the fit had any);
- ``design``: the design arrays the posterior was indexed with;
- attributes: ``consensus_config`` (the `FitConfig` as JSON), ``consensus_format``
  and ``design_fingerprint`` (SHA-256 of the design arrays).

`load` re-validates the claims, rebuilds the design and refuses a file whose
rebuilt design differs from the one saved with the posterior (edited claims,
or a grid rule that changed between versions): tables read from a mismatched
design would silently mix up quantities.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .claims import read_claims
from .config import FORMAT_VERSION, FitConfig
from .design import Design
from .errors import ClaimsError
from .estimate import Estimate
from .truths import read_truths, truths_to_frame


class SavedFitError(ValueError):
    """A file that is not a consensus fit, is damaged, or does not match its own posterior."""


def design_arrays(design: Design) -> dict[str, np.ndarray]:
    """The design's arrays (names and grid dates included), as plain numpy arrays."""
    out = {}
    for f in fields(design):
        v = getattr(design, f.name)
        if isinstance(v, list):
            v = np.array(v, dtype=str)
        out[f.name] = np.asarray(v)
    return out


def fingerprint(design: Design) -> str:
    """SHA-256 of every design array (name, dtype, shape, bytes)."""
    h = hashlib.sha256()
    for name, a in design_arrays(design).items():
        a = np.ascontiguousarray(a)
        if a.dtype.kind == "U":
            data = "\x1f".join(a.tolist()).encode()
        elif a.dtype.kind == "M":
            data = a.astype("datetime64[ns]").view(np.int64).tobytes()
        else:
            data = a.astype(np.float64 if a.dtype.kind == "f" else np.int64).tobytes()
        h.update(f"{name}|{a.shape}|".encode() + data)
    return h.hexdigest()


def label_posterior(idata: xr.DataTree, design: Design) -> xr.DataTree:
    """Give ``latent``'s time axis its quantity and date labels."""
    post = idata.posterior.to_dataset().assign_coords(
        time_quantity=("time", [design.quantities[q] for q in design.grid_quantity]),
        time_date=("time", design.grid_date.astype("datetime64[ns]")),
    )
    tree = {name: idata[name].to_dataset() for name in idata.children}
    tree["posterior"] = post
    return xr.DataTree.from_dict(tree)


def _text_frame_ds(frame: pd.DataFrame) -> xr.Dataset:
    return xr.Dataset(
        {c: ("row", frame[c].astype(str).to_numpy(dtype=object)) for c in frame.columns}
    )


def save(est: Estimate, path: str | Path) -> None:
    """Write ``est`` to ``path`` atomically: a failed write leaves any earlier file intact."""
    path = Path(path)
    tree = est.idata.copy()
    tree["claims"] = xr.DataTree(_text_frame_ds(est.claims_data.to_frame()))
    if est.truths is not None and len(est.truths):
        tree["truths"] = xr.DataTree(_text_frame_ds(truths_to_frame(est.truths)))
    arrays = design_arrays(est.design)
    tree["design"] = xr.DataTree(
        xr.Dataset(
            {
                k: (f"{k}_dim", v.astype(object) if v.dtype.kind == "U" else v)
                for k, v in arrays.items()
            }
        )
    )
    tree.attrs = {
        **tree.attrs,
        "consensus_config": est.config.to_json(),
        "consensus_format": FORMAT_VERSION,
        "design_fingerprint": fingerprint(est.design),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        tree.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | Path) -> Estimate:
    """Load an `Estimate` saved with `Estimate.to_netcdf`, checking it is whole and consistent.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    SavedFitError
        Not a consensus fit, damaged, from a newer format, or its claims do not
        match its posterior.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no saved fit at {path}")
    try:
        with xr.open_datatree(path, engine="h5netcdf") as tree:
            tree = tree.load()
    except Exception as e:  # h5py/netCDF raise many types for a foreign or truncated file
        raise SavedFitError(
            f"{path} is not a readable netCDF file ({type(e).__name__}: {e})"
        ) from e
    if "consensus_config" not in tree.attrs or "claims" not in tree.children:
        raise SavedFitError(f"{path} was not written by consensus (no claims or config inside)")
    version = int(tree.attrs.get("consensus_format", 1))
    if version > FORMAT_VERSION:
        raise SavedFitError(
            f"{path} has format {version}; this consensus reads up to {FORMAT_VERSION}: upgrade it"
        )
    try:
        config = FitConfig.from_json(tree.attrs["consensus_config"])
    except (ValueError, TypeError) as e:
        raise SavedFitError(f"{path}: its saved settings are damaged: {e}") from e
    if "posterior" not in tree.children or "latent" not in tree["posterior"].data_vars:
        raise SavedFitError(f"{path} holds no posterior")
    frame = tree["claims"].to_dataset().to_dataframe().reset_index(drop=True)
    for c in ("value", "low", "high", "stderr"):  # numbers as saved (repr), read as numbers
        if c in frame:
            frame[c] = pd.to_numeric(frame[c].replace("", np.nan), errors="coerce")
    vague = {k: (float(v[0]), float(v[1])) for k, v in config.vague.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings were given when the claims were first read
        try:
            claims = read_claims(frame, vague=vague or None, scales=config.scales)
            truths = None
            if "truths" in tree.children:
                tframe = tree["truths"].to_dataset().to_dataframe().reset_index(drop=True)
                truths = read_truths(tframe, quantities=claims.quantities, scales=claims.scales)
        except ClaimsError as e:
            raise SavedFitError(
                f"{path}: the claims or truths stored in the file do not validate (the file "
                f"was edited or damaged): {e}"
            ) from e
    design = claims.design(freq=config.freq, truths=truths)
    if version >= 2:
        saved = tree.attrs.get("design_fingerprint")
        if saved != fingerprint(design):
            raise SavedFitError(
                f"{path}: the claims stored in the file do not match its posterior (the design "
                "rebuilt from them differs from the one the fit used): the claims were edited, "
                "or the file comes from a consensus whose grid rules differ. Refit from the claims."
            )
    groups = [n for n in tree.children if n not in ("claims", "truths", "design")]
    data = {name: tree[name].to_dataset() for name in groups}
    if version < 2:
        data["posterior"] = _upgrade_v1(data["posterior"], design)
    idata = xr.DataTree.from_dict(data)
    if version < 2:
        idata = label_posterior(idata, design)
    n_time = idata.posterior.sizes.get("time")
    if n_time != len(design.grid_quantity):
        raise SavedFitError(
            f"{path}: its posterior has {n_time} time points but its claims give "
            f"{len(design.grid_quantity)}; the file is damaged or edited"
        )
    return Estimate(idata=idata, claims=claims, config=config, truths=truths, design=design)


def _upgrade_v1(post: xr.Dataset, design: Design) -> xr.Dataset:
    """Format 1 (sum-to-zero biases, no shared error): its ``bias`` was relative."""
    post = post.assign(bias_relative=post["bias"])
    zeros = xr.zeros_like(post["level_z"]) if "level_z" in post else None
    if zeros is not None:
        post = post.assign(shared=zeros.rename({zeros.dims[-1]: "quantity"}))
    return post


__all__ = ["SavedFitError", "fingerprint", "load", "save"]
