"""The real data sets, prepared for the model and the baselines, and the seeded truth split."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class RealData:
    """A real data set prepared for the model and the baselines.

    Attributes
    ----------
    name
        Key in the results.
    claims
        Claims table in the contract format (identity scale).
    truth
        Gold value per quantity.
    when
        The date each gold value is about, per quantity (ISO text).
    rows
        What the baselines see: ``value``, ``item`` (the quantity), ``source``
        and, where claim times exist, ``time``.
    reference
        Published or verified baseline figures, method -> {metric: value}.
    info
        Facts about the preparation (sizes, subsample, choices).
    """

    name: str
    claims: pd.DataFrame
    truth: pd.Series
    when: pd.Series
    rows: pd.DataFrame
    reference: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def truths(self, quantities) -> pd.DataFrame:
        """The gold values of ``quantities`` as a truths table (``quantity``, ``date``, ``value``)."""
        q = pd.Index(quantities)
        return pd.DataFrame(
            {"quantity": q, "date": self.when[q].to_numpy(), "value": self.truth[q].to_numpy()}
        )


def split_truths(quantities, share: float, seed: int) -> tuple[list[str], list[str]]:
    """A fixed, seeded ``share`` of the quantities (given as truths) and the rest (scored).

    The quantities are sorted first, so the split depends only on their names,
    the share and the seed.
    """
    names = sorted(quantities)
    order = np.random.default_rng(seed).permutation(len(names))
    k = round(share * len(names))
    given = sorted(names[i] for i in order[:k])
    return given, sorted(names[i] for i in order[k:])


def load_emotion(path: Path) -> RealData:
    """The N_Emotion crowd ratings: items are quantities, workers are origins."""
    a = pd.read_csv(path / "answer.csv")
    g = pd.read_csv(path / "truth.csv")
    q = "item_" + a["question"].astype(str).str.zfill(3)
    claims = pd.DataFrame(
        {
            "quantity": q,
            "source": a["worker"],
            "date": "2008-01-01",
            "kind": "point",
            "value": a["answer"].astype(float),
        }
    )
    truth = pd.Series(
        g["truth"].to_numpy(float), index="item_" + g["question"].astype(str).str.zfill(3)
    ).sort_index()
    rows = pd.DataFrame({"value": claims["value"], "item": q, "source": a["worker"]})
    return RealData(
        "emotion",
        claims,
        truth,
        pd.Series("2008-01-01", index=truth.index),
        rows,
        reference={"mean": {"mae": 12.02, "rmse": 17.84}, "median": {"mae": 13.53, "rmse": 21.26}},
        info={"n_items": len(truth), "n_workers": a["worker"].nunique(), "n_answers": len(a)},
    )


def _weather_tables(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Numeric Temperature claims and de-duplicated gold (last row per object)."""
    files = sorted(
        path.glob("weather_claim*.csv"), key=lambda f: int(f.stem.removeprefix("weather_claim"))
    )
    c = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
    c = c[c["PropertyID"] == "Temperature"].assign(
        value=lambda d: pd.to_numeric(d["PropertyValue"], errors="coerce")
    )
    g = pd.read_csv(path / "weather_truth.csv", dtype=str)
    g = g[g["PropertyID"] == "Temperature"].drop_duplicates("ObjectID", keep="last")
    gold = pd.Series(pd.to_numeric(g["PropertyValue"]).to_numpy(float), index=g["ObjectID"])
    return c, gold.sort_index()


def load_weather(path: Path, every: int) -> tuple[RealData, pd.DataFrame, pd.Series]:
    """Weather Temperature: objects are quantities, sites are origins (subsample: every k-th).

    Returns
    -------
    data, rows_all, gold_all
        The prepared subsample, and what the baselines see of all objects with
        their gold (a check of the reference figures).
    """
    c, gold = _weather_tables(path)
    n_dropped = int(c["value"].isna().sum())
    c = c.dropna(subset=["value"])
    c = c[c["ObjectID"].isin(gold.index)]
    gold = gold[gold.index.isin(c["ObjectID"])]
    rows_all = pd.DataFrame(
        {"value": c["value"].to_numpy(), "item": c["ObjectID"], "source": c["SourceID"]}
    )
    keep = gold.index[::every]
    sub = c[c["ObjectID"].isin(keep)]
    claims = pd.DataFrame(
        {
            "quantity": sub["ObjectID"].to_numpy(),
            "source": sub["SourceID"].to_numpy(),
            "date": "2010-01-28",
            "kind": "point",
            "value": sub["value"].to_numpy(),
        }
    )
    rows = rows_all[rows_all["item"].isin(keep)].reset_index(drop=True)
    info = {
        "n_objects_all": len(gold),
        "subsample_every": every,
        "n_objects": len(keep),
        "n_claims": len(sub),
        "n_sites": sub["SourceID"].nunique(),
        "n_non_numeric_dropped": n_dropped,
    }
    data = RealData(
        "weather",
        claims,
        gold[keep],
        pd.Series("2010-01-28", index=keep),
        rows,
        reference={"median": {"mae": 0.61}, "mean": {"mae": 0.82}},
        info=info,
    )
    return data, rows_all, gold


def load_polls(path: Path) -> RealData:
    """538 raw polls: race margins are quantities, pollsters (split by margin kind) origins."""
    p = pd.read_csv(path / "raw-polls-2023.csv")
    dem_rep = (p["cand1_party"] == "DEM") & (p["cand2_party"] == "REP")
    origin = np.where(dem_rep, p["pollster"], p["pollster"] + " [other margin]")
    fielded = pd.to_datetime(p["polldate"], format="%m/%d/%Y")
    election = pd.to_datetime(p["electiondate"], format="%m/%d/%Y")
    claims = pd.DataFrame(
        {
            "quantity": p["race"],
            "source": origin,
            "date": fielded.dt.strftime("%Y-%m-%d"),
            "as_of": election.dt.strftime("%Y-%m-%d"),
            "kind": "point",
            "value": p["margin_poll"].astype(float),
            "stderr": 100.0 / np.sqrt(p["samplesize"].astype(float)),
        }
    )
    truth = p.groupby("race")["margin_actual"].first().astype(float)
    when = claims.groupby("quantity")["as_of"].first()
    rows = pd.DataFrame(
        {"value": claims["value"], "item": p["race"], "source": origin, "time": fielded}
    )
    info = {
        "n_polls": len(p),
        "n_races": p["race"].nunique(),
        "n_pollsters": p["pollster"].nunique(),
        "n_origins": len(set(origin)),
        "share_dem_rep": float(dem_rep.mean()),
    }
    return RealData("polls", claims, truth, when[truth.index], rows, info=info)
