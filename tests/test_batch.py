"""fit_many: many topics as Dask tasks, one saved fit per topic, resumable.

One real run (a LocalCluster of 2 worker processes, tiny fits: 1 chain of 50 draws, so
these are plumbing checks, not accuracy checks) makes the files every other test reuses.
The other tests run on an in-process Dask cluster with `consensus.fit` replaced by a stub
that counts its calls and returns one of the real fits, so resumption, failures and the
topic column are checked without sampling again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import consensus as cs
from consensus import batch

distributed = pytest.importorskip("distributed")

# unpadded models compile about twice as fast; fit(buckets=True), fit_many's default, is
# checked with real fits in test_refit.py and passed on here in a test of its own
TINY = {"draws": 50, "tune": 50, "chains": 1, "random_seed": 1, "buckets": False}


def tiny_claims(seed: int) -> pd.DataFrame:
    sim = cs.simulate(
        n_quantities=1, n_days=20, n_origins=3, claims_per_quantity=8, random_seed=seed
    )
    return sim.claims


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """fit_many with client=None on three topics, one of them with a bad date on file row 5."""
    out = tmp_path_factory.mktemp("fits")
    broken = tiny_claims(3)
    broken.loc[3, "date"] = "last Tuesday"  # data row 4 = file row 5
    seen = {}
    make_client = batch._local_client

    def spy(n_topics):  # the cluster fit_many starts for itself, looked at from outside
        client = make_client(n_topics)
        seen["client"] = client
        seen["workers"] = client.run(lambda: (os.getpid(), os.environ.get("OMP_NUM_THREADS")))
        return client

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch, "_local_client", spy)
        table = cs.fit_many(
            {"alpha": tiny_claims(1), "beta": tiny_claims(2), "broken": broken},
            out_dir=out,
            progress=False,
            **TINY,
        )
    return out, table, seen


@pytest.fixture(scope="module")
def inprocess():
    """A Dask cluster of one thread in this process, so that a stubbed `cs.fit` is seen."""
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as client:
        yield client


@pytest.fixture
def stub_fit(monkeypatch, real_run):
    """Replace `cs.fit` by a stub returning the real 'alpha' fit; records what it was given."""
    calls = []
    saved = real_run[0] / "alpha.nc"

    def fake(claims, **kwargs):
        calls.append(claims)
        if isinstance(claims, pd.DataFrame) and "fail" in set(claims["source"]):
            raise RuntimeError("sampler exploded")
        return cs.load(saved)

    monkeypatch.setattr(cs, "fit", fake)
    return calls


@pytest.mark.slow  # a real LocalCluster: its workers start and import PyMC (about a minute)
def test_real_cluster_fits_every_topic_and_records_the_bad_one(real_run):
    out, table, seen = real_run
    assert len(seen["workers"]) == 2  # one per core of this 2-core machine, at most one per topic
    assert {env for _, env in seen["workers"].values()} == {"1"}  # no BLAS oversubscription
    assert seen["client"].status == "closed"  # fit_many closed the cluster it started
    assert table["topic"].tolist() == ["alpha", "beta", "broken"]
    assert table["status"].tolist() == ["done", "done", "failed"]
    broken = table.set_index("topic").loc["broken"]
    assert broken["error"].startswith("ClaimsError")
    assert "row 5" in broken["error"] and "'date'" in broken["error"]
    assert "last Tuesday" in broken["error"]
    assert sorted(p.name for p in out.iterdir()) == ["alpha.nc", "beta.nc"]  # no temporary files


def test_result_table_holds_the_headline_of_each_saved_fit(real_run):
    out, table, _ = real_run
    assert list(table.columns) == batch.RESULT_COLUMNS
    for row in table[table["status"] == "done"].itertuples():
        assert Path(row.path) == out / f"{row.topic}.nc"
        assert row.error == "" and row.seconds > 0
        est = cs.load(row.path)
        h = est.headline(cs.DEFAULT_PROB).iloc[0]  # the report's headline: latest report's date
        assert row.quantity == "q0" == h["quantity"]
        assert row.date == h["date"]
        assert (row.median, row.lower, row.upper) == (h["median"], h["lower"], h["upper"])
        assert row.lower < row.median < row.upper
    failed = table[table["status"] == "failed"]
    assert failed[["median", "lower", "upper"]].isna().all().all()


def test_resumption_skips_finished_topics_and_refits_a_damaged_file(
    real_run, inprocess, stub_fit, tmp_path
):
    out, first, _ = real_run
    for name in ("alpha.nc", "beta.nc"):
        shutil.copy(out / name, tmp_path / name)
    (tmp_path / "gamma.nc").write_bytes(b"not a netCDF file")  # e.g. copied in by hand, damaged
    topics = {"alpha": tiny_claims(1), "beta": tiny_claims(2), "gamma": tiny_claims(4)}

    table = cs.fit_many(topics, out_dir=tmp_path, client=inprocess, progress=False)

    assert table["status"].tolist() == ["skipped", "skipped", "done"]
    assert len(stub_fit) == 1 and stub_fit[0].equals(topics["gamma"])
    skipped = table.set_index("topic").loc[["alpha", "beta"], ["median", "lower", "upper"]]
    before = first.set_index("topic").loc[["alpha", "beta"], ["median", "lower", "upper"]]
    pd.testing.assert_frame_equal(skipped, before)
    cs.load(tmp_path / "gamma.nc")  # now a whole fit

    again = cs.fit_many(topics, out_dir=tmp_path, client=inprocess, progress=False)
    assert again["status"].tolist() == ["skipped"] * 3 and len(stub_fit) == 1


def test_a_failing_topic_does_not_stop_the_others(inprocess, stub_fit, tmp_path):
    bad = tiny_claims(5).assign(source="fail")
    table = cs.fit_many(
        {"one": tiny_claims(1), "bad": bad, "two": tiny_claims(2)},
        out_dir=tmp_path,
        client=inprocess,
        progress=False,
    )
    assert table["status"].tolist() == ["done", "failed", "done"]
    assert table["error"].tolist() == ["", "RuntimeError: sampler exploded", ""]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.nc", "two.nc"]


def test_topic_column_table_or_csv_splits_by_topic_and_numbers_rows_as_in_the_file(
    inprocess, stub_fit, tmp_path
):
    a, b = tiny_claims(1), tiny_claims(2)
    b["value"] = b["value"].astype(object)
    b.loc[2, "value"] = "lots"
    table = pd.concat([a.assign(topic="a topic"), b.assign(topic="b-topic")])
    table = table.sample(frac=1.0, random_state=0).reset_index(drop=True)  # topics interleaved
    file_row = int(np.flatnonzero(table["value"].astype(str) == "lots")[0]) + 2
    table.to_csv(tmp_path / "all.csv", index=False)
    in_order = list(dict.fromkeys(table["topic"]))  # order of first appearance

    for i, source in enumerate((table, tmp_path / "all.csv")):
        stub_fit.clear()
        result = cs.fit_many(
            source, out_dir=tmp_path / f"fits{i}", client=inprocess, progress=False
        )
        assert result["topic"].tolist() == in_order
        by_topic = result.set_index("topic")
        assert by_topic.loc["a topic", "status"] == "done"
        assert by_topic.loc["b-topic", "status"] == "failed"
        assert f"row {file_row}, column 'value' (value 'lots')" in by_topic.loc["b-topic", "error"]
        (fitted,) = stub_fit  # read once, as a Claims, without the topic column
        assert isinstance(fitted, cs.Claims) and len(fitted.table) == len(a)
        assert "topic" not in fitted.table.columns


@pytest.mark.parametrize(
    "name", ["a/b", "..", "../up", "a..b", ".hidden", "", " pad", "x\ny", "a:b"]
)
def test_unsafe_topic_names_are_refused_before_anything_runs(name, tmp_path):
    with pytest.raises(ValueError, match="file names") as info:
        cs.fit_many({name: tiny_claims(1), "fine": tiny_claims(2)}, out_dir=tmp_path / "o")
    assert repr(name) in str(info.value) and "'fine'" not in str(info.value)
    assert not (tmp_path / "o").exists()


def test_bad_topic_cells_and_a_missing_topic_column_name_the_row(tmp_path):
    claims = tiny_claims(1).assign(topic="ok")
    claims.loc[1, "topic"] = "../etc"
    with pytest.raises(cs.ClaimsError, match=r"row 3, column 'topic' \(value '../etc'\)"):
        cs.fit_many(claims, out_dir=tmp_path)
    with pytest.raises(cs.ClaimsError, match="needs a 'topic' column"):
        cs.fit_many(tiny_claims(1), out_dir=tmp_path)


def test_an_argument_fit_does_not_take_fails_at_once(tmp_path):
    with pytest.raises(TypeError, match="drawz"):
        cs.fit_many({"a": tiny_claims(1)}, out_dir=tmp_path, drawz=10)


def test_no_topics_gives_an_empty_table_without_starting_a_cluster(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_local_client", lambda n: pytest.fail("started a cluster"))
    table = cs.fit_many({}, out_dir=tmp_path)
    assert table.empty and list(table.columns) == batch.RESULT_COLUMNS


def test_a_prob_outside_zero_one_fails_at_once(tmp_path):
    with pytest.raises(ValueError, match="prob must lie strictly between 0 and 1, got 90"):
        cs.fit_many({"a": tiny_claims(1)}, out_dir=tmp_path, prob=90)


def test_topics_share_compiled_models_by_shape_bucket_unless_told_not_to(
    inprocess, real_run, tmp_path, monkeypatch
):
    """fit_many asks fit for shape buckets (one compiled model per bucket, not per topic)."""
    seen = []
    saved = real_run[0] / "alpha.nc"

    def fake(claims, **kwargs):
        seen.append(kwargs)
        return cs.load(saved)

    monkeypatch.setattr(cs, "fit", fake)
    cs.fit_many({"one": tiny_claims(1)}, out_dir=tmp_path / "a", client=inprocess, progress=False)
    cs.fit_many(
        {"one": tiny_claims(1)},
        out_dir=tmp_path / "b",
        client=inprocess,
        progress=False,
        buckets=False,
    )
    assert [k["buckets"] for k in seen] == [True, False]
    assert seen[0]["cores"] == 1 and seen[0]["progressbar"] is False
