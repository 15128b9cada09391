"""Issue 9 faults at the output end: checked saved files, atomic writes, argument and threshold checks.

Sampling is mocked (`pymc.testing.mock_sample`): these are plumbing tests.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from pymc.testing import mock_sample

import consensus as cs
from consensus.storage import SavedFitError, fingerprint

SEED = Path(__file__).parents[1] / "examples" / "dprk_troops_2024" / "claims.csv"
Q = "dprk_troops_in_russia"


@pytest.fixture
def mocked(monkeypatch):
    calls = []

    def fake(*a, **k):
        calls.append(k)
        return mock_sample(draws=20, chains=2, **{x: k[x] for x in ("random_seed",) if x in k})

    monkeypatch.setattr(pm, "sample", fake)
    return calls


@pytest.fixture
def est(mocked):
    return cs.fit(cs.read_claims(SEED), random_seed=1, progressbar=False)


# ---------------------------------------------------------------- 1. a saved fit checks its claims
def test_posterior_is_labelled_with_quantity_and_date(est):
    lat = est.idata.posterior["latent"]
    d = est.design
    assert list(lat["time_quantity"].values[: d.grid_len[0]]) == [d.quantities[0]] * int(
        d.grid_len[0]
    )
    first = d.grid_start[d.quantities.index(Q)]
    assert pd.Timestamp(lat["time_date"].values[first]) == pd.Timestamp("2024-10-22")


def test_round_trip_is_exact_and_carries_format_and_design(est, tmp_path):
    path = tmp_path / "fit.nc"
    est.to_netcdf(path)
    back = cs.load(path)
    xr.testing.assert_identical(back.idata.posterior.to_dataset(), est.idata.posterior.to_dataset())
    pd.testing.assert_frame_equal(back.trajectory(Q), est.trajectory(Q))
    with xr.open_datatree(path, engine="h5netcdf") as tree:
        assert int(tree.attrs["consensus_format"]) == cs.config.FORMAT_VERSION
        assert tree.attrs["design_fingerprint"] == fingerprint(est.design)
        assert "design" in tree.children and "grid_date" in tree["design"].data_vars


def _saved_tree(est, tmp_path) -> xr.DataTree:
    """``est`` saved to tmp_path/fit.nc and read back as a plain tree, to edit or damage."""
    est.to_netcdf(tmp_path / "fit.nc")
    with xr.open_datatree(tmp_path / "fit.nc", engine="h5netcdf") as tree:
        return tree.load()


def test_edited_claims_group_is_refused(est, tmp_path):
    tree = _saved_tree(est, tmp_path)
    claims = tree["claims"].to_dataset()
    # drop the one projection row (as_of later than date): the grid of its quantity shrinks
    proj = np.flatnonzero(claims["as_of"].values.astype(str) > claims["date"].values.astype(str))
    assert len(proj) >= 1
    keep = np.setdiff1d(np.arange(claims.sizes["row"]), proj)
    tree["claims"] = xr.DataTree(claims.isel(row=keep))
    edited = tmp_path / "edited.nc"
    tree.to_netcdf(edited, engine="h5netcdf")
    with pytest.raises(SavedFitError, match="do not match its posterior"):
        cs.load(edited)


def test_an_edited_figure_that_keeps_the_grid_is_refused(est, tmp_path):
    """Only the fingerprint sees this edit: the grid and every size stay the same."""
    tree = _saved_tree(est, tmp_path)
    claims = tree["claims"].to_dataset()
    values = claims["value"].values.astype(str)
    i = int(np.flatnonzero(values != "nan")[0])
    values, figures = values.astype(object), claims["figure"].values.astype(object)
    values[i] = figures[i] = "99999"  # a consistent edit: the claims still validate
    tree["claims"] = xr.DataTree(claims.assign(value=("row", values), figure=("row", figures)))
    tree.to_netcdf(tmp_path / "edited.nc", engine="h5netcdf")
    with pytest.raises(SavedFitError, match="do not match its posterior"):
        cs.load(tmp_path / "edited.nc")


def test_a_claims_group_that_no_longer_validates_is_a_saved_fit_error(est, tmp_path):
    tree = _saved_tree(est, tmp_path)
    claims = tree["claims"].to_dataset()
    values = claims["value"].values.astype(object)
    values[0] = "99999"  # disagrees with the row's figure
    tree["claims"] = xr.DataTree(claims.assign(value=("row", values)))
    tree.to_netcdf(tmp_path / "bad.nc", engine="h5netcdf")
    with pytest.raises(SavedFitError, match=r"(?s)do not validate.*row 2, column 'figure'"):
        cs.load(tmp_path / "bad.nc")


def _damage(tree: xr.DataTree, how: str) -> xr.DataTree:
    if how == "no posterior":
        out = xr.DataTree.from_dict(
            {k: tree[k].to_dataset() for k in tree.children if k != "posterior"}
        )
        out.attrs = dict(tree.attrs)
        return out
    if how == "config without scales":
        cfg = json.loads(tree.attrs["consensus_config"])
        cfg.pop("scales")
        tree.attrs["consensus_config"] = json.dumps(cfg)
        return tree
    tree.attrs.update(
        {
            "config not JSON": {"consensus_config": "{not json"},
            "config null": {"consensus_config": "null"},
            "format 99": {"consensus_format": 99},
        }[how]
    )
    return tree


@pytest.mark.parametrize(
    ("how", "match"),
    [
        ("config not JSON", "saved settings are damaged"),  # before: JSONDecodeError
        ("config null", "saved settings are damaged"),  # before: AttributeError
        ("config without scales", "saved settings are damaged"),  # before: KeyError
        ("no posterior", "holds no posterior"),  # before: loaded without a word
        ("format 99", "has format 99"),  # before: loaded without a word
    ],
)
def test_a_damaged_saved_file_says_what_is_wrong(est, tmp_path, how, match):
    tree = _saved_tree(est, tmp_path)
    _damage(tree, how).to_netcdf(tmp_path / "bad.nc", engine="h5netcdf")
    with pytest.raises(SavedFitError, match=match):
        cs.load(tmp_path / "bad.nc")


def test_foreign_and_damaged_files_say_what_is_wrong(tmp_path):
    junk = tmp_path / "junk.nc"
    junk.write_bytes(b"not a netcdf file at all")
    with pytest.raises(SavedFitError, match="not a readable netCDF"):
        cs.load(junk)
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("i", [1, 2])}).to_netcdf(other, engine="h5netcdf")
    with pytest.raises(SavedFitError, match="not written by consensus"):
        cs.load(other)
    with pytest.raises(FileNotFoundError):
        cs.load(tmp_path / "missing.nc")


def test_config_from_a_newer_version_is_refused(est, tmp_path):
    tree = _saved_tree(est, tmp_path)
    cfg = json.loads(tree.attrs["consensus_config"])
    cfg["some_future_setting"] = 1
    tree.attrs["consensus_config"] = json.dumps(cfg)
    bad = tmp_path / "future.nc"
    tree.to_netcdf(bad, engine="h5netcdf")
    with pytest.raises(SavedFitError, match="some_future_setting"):
        cs.load(bad)


# ---------------------------------------------------------------- 2. a failed write keeps the old file
def test_failed_write_leaves_the_previous_file_intact(est, tmp_path, monkeypatch):
    path = tmp_path / "fit.nc"
    est.to_netcdf(path)
    before = path.read_bytes()

    def boom(self, *a, **k):
        Path(a[0]).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.DataTree, "to_netcdf", boom)
    with pytest.raises(OSError, match="disk full"):
        est.to_netcdf(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["fit.nc"]  # no temporary file left behind


# ---------------------------------------------------------------- 5. thresholds and dates
def test_thresholds_are_checked(est):
    for bad in (np.nan, "10000", np.inf, True):
        with pytest.raises(ValueError, match="finite number"):
            est.probability(Q, "2024-10-24", above=bad)
    with pytest.raises(ValueError, match="outside the estimated span"):
        est.probability(Q, "2023-01-01", above=1)
    with pytest.raises(KeyError, match="unknown quantity"):
        est.probability("nope", "2024-10-24", above=1)


def test_a_non_iso_threshold_date_is_refused_as_read_claims_refuses_it(est):
    # before: "24/10/2024" was guessed (as 24 October) and answered 1.0
    with pytest.raises(ValueError, match="not an ISO date"):
        est.probability(Q, "24/10/2024", above=1)


def test_tz_aware_date_reads_as_utc_like_read_claims(est):
    # 23:30 at UTC-05 on the 23rd is 04:30 UTC on the 24th, which read_claims reads as the 24th
    a = est.at(Q, "2024-10-23T23:30:00-05:00")
    b = est.at(Q, "2024-10-24T04:30:00")
    pd.testing.assert_frame_equal(a, b)
    assert a["date"].iloc[0] == pd.Timestamp("2024-10-24 04:30")
    # probability reads it the same way (before: a TypeError, tz-naive against tz-aware)
    assert est.probability(Q, "2024-10-23T23:30:00-05:00", above=5000) == est.probability(
        Q, "2024-10-24T04:30:00", above=5000
    )


def test_proportion_threshold_outside_0_1_is_refused(mocked):
    rows = pd.DataFrame(
        {
            "quantity": ["share"] * 3,
            "source": ["A", "B", "C"],
            "date": ["2024-01-01"] * 3,
            "kind": ["point"] * 3,
            "value": [0.4, 0.45, 0.5],
        }
    )
    e = cs.fit(rows, scales="logit", random_seed=1, progressbar=False)
    with pytest.raises(ValueError, match=r"proportion: above must lie in \[0, 1\]"):
        e.probability("share", "2024-01-01", above=45)
    assert 0 <= e.probability("share", "2024-01-01", above=0.45) <= 1


def test_at_gives_trajectory_rows_at_the_nearest_grid_dates(est):
    t = est.trajectory(Q).set_index("date")
    got = est.at(Q, ["2024-10-24", "2024-12-31"])
    assert list(got.columns) == ["date", "mean", "median", "lower", "upper", "lower_50", "upper_50"]
    for _, row in got.iterrows():
        np.testing.assert_allclose(
            row.drop("date").to_numpy(float), t.loc[row["date"]].to_numpy(float)
        )


# ---------------------------------------------------------------- 6, 7. arguments before sampling
def test_a_string_reference_is_one_name(mocked):
    with pytest.raises(KeyError, match="'AB'"):
        cs.fit(cs.read_claims(SEED), reference="AB", progressbar=False)
    e = cs.fit(cs.read_claims(SEED), reference="US National Security Council", progressbar=False)
    assert e.config.reference == ["US National Security Council"]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"draws": 0}, "draws must be an integer >= 1"),
        ({"chains": 0}, "chains must be an integer >= 1"),
        ({"tune": -1}, "tune must be an integer >= 0"),
        ({"draws": 10.5}, "draws must be an integer"),
        ({"target_accept": 1.5}, "target_accept"),
        ({"random_seed": -3}, "random_seed"),
        ({"priors": {"bias_sd": "abc"}}, "prior 'bias_sd' must be a number"),
        ({"buckets": "yes"}, "buckets must be True or False"),
    ],
)
def test_bad_arguments_fail_before_sampling(mocked, kw, match):
    with pytest.raises(ValueError, match=match):
        cs.fit(cs.read_claims(SEED), progressbar=False, **kw)
    assert mocked == []  # nothing was sampled


def test_numpy_integer_seed_saves(mocked, tmp_path):
    e = cs.fit(cs.read_claims(SEED), random_seed=np.int64(7), progressbar=False)
    assert e.config.random_seed == 7 and type(e.config.random_seed) is int
    e.to_netcdf(tmp_path / "f.nc")
    assert cs.load(tmp_path / "f.nc").config.random_seed == 7


# ---------------------------------------------------------------- 10. one-sided evidence is said
@pytest.mark.parametrize(("kind", "side"), [("at_least", "above"), ("at_most", "below")])
def test_only_one_kind_of_bound_on_a_quantity_warns_naming_the_open_side(mocked, kind, side):
    rows = pd.DataFrame(
        {
            "quantity": ["q", "q", "r", "r"],
            "source": ["A", "B", "A", "B"],
            "date": ["2024-01-01"] * 4,
            "kind": [kind, kind, "point", "point"],
            "value": [100, 200, 5, 6],
        }
    )
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cs.fit(rows, progressbar=False)
    msgs = [str(x.message) for x in w if issubclass(x.category, cs.OneSidedWarning)]
    assert len(msgs) == 1 and "'q'" in msgs[0] and side in msgs[0]


# ---------------------------------------------------------------- a file of the previous format loads
FORMAT1 = Path(__file__).parent / "data" / "fit_format1.nc"


def test_a_format_1_file_from_the_previous_version_loads_with_its_tables_unchanged(
    mocked, tmp_path
):
    """tests/data/fit_format1.nc was written by consensus at commit 37ea76f^ (format 1: no
    design group, no labels, sum-to-zero biases), with sampling mocked; the CSVs beside it
    are that version's own tables of the same file."""
    est = cs.load(FORMAT1)
    assert est.config.format_version == 1
    old = pd.read_csv(FORMAT1.with_name("fit_format1_trajectory.csv"), parse_dates=["date"])
    pd.testing.assert_frame_equal(est.trajectory(Q)[old.columns], old, check_dtype=False)
    assert est.idata.posterior["latent"]["time_quantity"].values[0] == est.design.quantities[0]
    # format 1's biases were relative to the average origin: read as such, never as calibrated
    src = est.sources().set_index("source")
    old_src = pd.read_csv(FORMAT1.with_name("fit_format1_sources.csv")).set_index("source")
    cols = ["bias", "bias_lower", "bias_upper", "noise"]
    pd.testing.assert_frame_equal(src.loc[old_src.index, cols], old_src[cols], check_dtype=False)
    assert (src["basis"] == "relative").all() and not src["calibrated"].any()
    # it saves in today's format and reads back the same
    est.to_netcdf(tmp_path / "now.nc")
    again = cs.load(tmp_path / "now.nc")
    assert again.config.format_version == 1  # the config says which model sampled it
    with xr.open_datatree(tmp_path / "now.nc", engine="h5netcdf") as tree:
        assert int(tree.attrs["consensus_format"]) == cs.config.FORMAT_VERSION
    pd.testing.assert_frame_equal(again.trajectory(Q), est.trajectory(Q))
    # a track record of relative biases is refused in words
    with pytest.raises(ValueError, match="format 1, whose biases are relative"):
        cs.fit(cs.read_claims(SEED), track_record=FORMAT1, progressbar=False)


def test_per_statement_results_carry_the_statement_ids_and_file_rows(est):
    """The posterior holds no per-statement variable; `Estimate.claims()` is the labelled
    per-statement table: its ``statement`` ids are `Claims.table`'s, with the file rows."""
    per = est.claims()
    table = est.claims_data.table
    assert per["statement"].tolist() == list(range(len(per)))
    live = table[~table["duplicate"]]
    for s in per.itertuples():
        mine = live[live["statement"] == s.statement]
        assert s.rows == ",".join(mine["row"].astype(str))
        assert (mine["quantity"] == s.quantity).all() and (mine["origin"] == s.origin).all()
    assert set(live["statement"]) == set(per["statement"])
