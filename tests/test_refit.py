"""Compile once per model structure: a refit with new numbers reuses the compiled model.

Compilations are counted (``nutpie.compile_pymc_model`` wrapped with a counter), not timed.
The claims exercise every data container: points, bounds, a range, a projection, a
standard error, a lone quantity and known truths.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest

import consensus as cs
from consensus import inference
from consensus.model import (
    DATA_NAMES,
    NUMBER_NAMES,
    bucket,
    build_model,
    model_data,
    model_sizes,
    structure_key,
    unpad,
)
from consensus.truths import read_truths

ROWS = [
    {"quantity": "a", "source": "A", "date": "2024-01-01", "kind": "point", "value": 1000},
    {"quantity": "a", "source": "B", "date": "2024-01-02", "kind": "point", "value": 1500},
    {"quantity": "a", "source": "C", "date": "2024-01-05", "kind": "at_least", "value": 700},
    {"quantity": "a", "source": "A", "date": "2024-01-06", "kind": "at_most", "value": 2500},
    {"quantity": "a", "source": "B", "date": "2024-01-06", "kind": "range", "low": 900,
     "high": 1800},
    {"quantity": "a", "source": "C", "date": "2024-01-03", "as_of": "2024-01-08",
     "kind": "point", "value": 1300},
    {"quantity": "b", "source": "A", "date": "2024-01-03", "kind": "point", "value": 200,
     "stderr": 20},
    {"quantity": "b", "source": "B", "date": "2024-01-03", "kind": "point", "value": 310},
    {"quantity": "b", "source": "C", "date": "2024-01-04", "kind": "point", "value": 170},
    {"quantity": "c", "source": "A", "date": "2024-01-02", "kind": "point", "value": 50},
]  # fmt: skip
TRUTHS = pd.DataFrame(
    {"quantity": ["a", "b"], "date": ["2024-01-02", "2024-01-04"], "value": [1200.0, 250.0]}
)  # one per quantity (the pinned kind); a quantity's further truths are tested in test_truths
KW = {"draws": 100, "tune": 100, "chains": 2, "random_seed": 5, "progressbar": False}


def _claims(rows):
    return cs.read_claims(pd.DataFrame(rows)).with_scales("log")


def _scaled(rows, truths):
    """The same structure with other numbers: every figure, stderr and truth changed."""
    out = []
    for i, r in enumerate(rows):
        f = 1.0 + 0.07 * (i + 1)
        out.append(
            {k: v * f if k in ("value", "low", "high") else v for k, v in r.items()}
            | ({"stderr": r["stderr"] * 2} if "stderr" in r else {})
        )
    return out, truths.assign(value=truths["value"] * 0.8)


def _fit(rows, truths, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cs.fit(_claims(rows), truths=truths, **KW, **kw)


@pytest.fixture
def compilations(monkeypatch):
    """Count nutpie compilations; start and end with an empty compile cache."""
    import nutpie

    calls = []
    real = nutpie.compile_pymc_model

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(nutpie, "compile_pymc_model", counted)
    inference.clear_compile_cache()
    yield calls
    inference.clear_compile_cache()


def test_structure_key_ignores_numbers_and_sees_structure():
    c1 = _claims(ROWS)
    rows2, truths2 = _scaled(ROWS, TRUTHS)
    c2 = _claims(rows2)
    d1 = c1.design(truths=read_truths(TRUTHS, quantities=c1.quantities, scales=c1.scales))
    d2 = c2.design(truths=read_truths(truths2, quantities=c2.quantities, scales=c2.scales))
    assert structure_key(d1) == structure_key(d2)
    n1, n2 = model_data(d1), model_data(d2)
    assert set(n1) == set(n2) <= set(DATA_NAMES)
    for k in ("data_value", "data_low", "data_center", "data_stderr", "data_truth_value"):
        assert not np.allclose(n1[k], n2[k]), k
    # a changed prior or sampler setting is another structure
    assert structure_key(d1, {"bias_sd": 2.0}) != structure_key(d1)
    assert structure_key(d1, None, None, None, "pymc") != structure_key(d1, None, None, None)
    # padded (fit(buckets=True)), indices and masks are data: the reference origins and one
    # more claim within the buckets are not structure; twice the claims are
    base = _claims(ROWS).design()
    more = _claims([*ROWS, {**ROWS[0], "source": "D"}]).design()
    many = _claims(ROWS + [{**r, "source": "E"} for r in ROWS]).design()  # 10 -> 20 statements
    assert structure_key(d1, None, ["A"]) != structure_key(d1)
    assert structure_key(d1, None, ["A"], pad=True) == structure_key(d1, pad=True)
    assert not np.array_equal(model_data(d1, None, ["A"])["data_reference"], n1["data_reference"])
    assert structure_key(more) != structure_key(base)
    assert structure_key(more, pad=True) == structure_key(base, pad=True)
    assert structure_key(many, pad=True) != structure_key(base, pad=True)
    # every number the model reads is a data container; padded, every index and mask too
    assert {v.name for v in build_model(d1).data_vars} == set(n1) & set(NUMBER_NAMES)
    padded = build_model(d1, pad=True)
    assert {v.name for v in padded.data_vars} == set(model_data(d1, pad=True))


def test_bucket_sizes():
    assert [bucket(n) for n in (0, 1, 2, 3, 4, 5, 16, 17, 1000)] == [0, 2, 2, 4, 4, 8, 16, 32, 1024]


def _embed(point: dict, model: pm.Model) -> dict:
    """An unpadded model's point in a padded model: padded entries 0 (after the real ones)."""
    out = {}
    for v in model.value_vars:
        x = np.asarray(point[v.name])
        shape = model.initial_point()[v.name].shape
        full = np.zeros(shape)
        full[tuple(slice(0, n) for n in x.shape)] = x
        out[v.name] = full
    return out


def test_padding_adds_only_a_constant_to_the_log_density():
    """Padded statements, quantities, origins, grid points and walks are inert.

    Between any two points of the real parameters, the padded model's log density
    changes exactly as the unpadded one's: the padding adds a constant.
    """
    c = _claims(ROWS)
    d = c.design(truths=read_truths(TRUTHS, quantities=c.quantities, scales=c.scales))
    plain, padded = build_model(d), build_model(d, pad=True)
    assert model_sizes(d, pad=True)[1] != model_sizes(d)[1]
    assert len(padded.initial_point()["bias_u"]) > len(plain.initial_point()["bias_u"])
    lp_plain, lp_pad = plain.compile_logp(), padded.compile_logp()
    rng = np.random.default_rng(3)
    x0 = plain.initial_point()
    diffs = []
    for _ in range(5):
        x1 = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in x0.items()}
        want = lp_plain(x1) - lp_plain(x0)
        got = lp_pad(_embed(x1, padded)) - lp_pad(_embed(x0, padded))
        diffs.append(abs(got - want))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert max(diffs) < 1e-6
    # and unpad cuts a padded posterior's axes back to the design's
    import xarray as xr

    _, held = model_sizes(d, pad=True)
    post = xr.Dataset(
        {
            "latent": (("chain", "draw", "time"), np.zeros((1, 2, held.time))),
            "bias": (("chain", "draw", "origin", "scale"), np.zeros((1, 2, held.origin, 1))),
        }
    )
    cut = unpad(post, d)
    assert cut.sizes["time"] == len(d.grid_quantity) and cut.sizes["origin"] == len(d.origins)


@pytest.mark.slow  # three real compilations and five fits (one test: each compilation costs)
def test_refit_reuses_the_compiled_model_equals_a_cold_fit_and_follows_the_structure(
    compilations,
):
    first = _fit(ROWS, TRUTHS)
    assert len(compilations) == 1
    rows2, truths2 = _scaled(ROWS, TRUTHS)
    refit = _fit(rows2, truths2)
    assert len(compilations) == 1  # same structure: no new compilation
    assert inference.compile_cache_info()["size"] == 1

    # the data really were swapped: another posterior
    a = first.idata.posterior["latent"].values
    b = refit.idata.posterior["latent"].values
    assert not np.allclose(a, b)
    assert abs(np.median(a) - np.median(b)) > 0.05

    # and it is the posterior a cold fit of the new data gives with the same seed
    inference.clear_compile_cache()
    cold = _fit(rows2, truths2)
    assert len(compilations) == 2
    for name in ("latent", "bias", "noise", "shared", "level_z"):
        np.testing.assert_allclose(
            refit.idata.posterior[name].values, cold.idata.posterior[name].values, rtol=1e-10
        )
    np.testing.assert_array_equal(
        refit.idata.sample_stats["diverging"].values, cold.idata.sample_stats["diverging"].values
    )
    # the same layout: variables, dims, coordinates
    for g in ("posterior", "sample_stats"):
        x, y = refit.idata[g].to_dataset(), cold.idata[g].to_dataset()
        assert set(x.data_vars) == set(y.data_vars)
        assert {k: v.dims for k, v in x.data_vars.items()} == {
            k: v.dims for k, v in y.data_vars.items()
        }
        for k in x.coords:
            assert np.array_equal(x[k].values, y[k].values), k

    # renamed origins and quantities, same structure: reused, labelled with the new names
    renamed = [{**r, "source": "X" + r["source"], "quantity": r["quantity"] * 2} for r in ROWS]
    est = _fit(renamed, TRUTHS.assign(quantity=TRUTHS["quantity"] * 2))
    assert len(compilations) == 2
    post = est.idata.posterior
    assert list(post["origin"].values) == ["XA", "XB", "XC"]
    assert list(post["quantity"].values) == ["aa", "bb", "cc"]
    assert set(post["time_quantity"].values) == {"aa", "bb", "cc"}
    # one more claim: another structure, compiled anew
    _fit([*ROWS, {**ROWS[1], "source": "D"}], TRUTHS)
    assert len(compilations) == 3
    assert inference.compile_cache_info()["size"] == 2


@pytest.mark.slow  # one real (padded) compilation
def test_buckets_reuse_the_compiled_model_for_other_claims_of_similar_size(compilations):
    """fit(buckets=True): one compiled model per shape bucket, not per claims structure."""
    first = _fit(ROWS, TRUTHS, buckets=True)
    assert len(compilations) == 1
    # a new origin's claim, another reference origin: the same buckets, no new compilation
    more = _fit([*ROWS, {**ROWS[1], "source": "D", "value": 1400}], TRUTHS, buckets=True)
    ref = _fit(ROWS, TRUTHS, buckets=True, reference="A")
    assert len(compilations) == 1
    # the padding is cut off: the fits have their own axes and labels
    assert list(more.idata.posterior["origin"].values) == ["A", "B", "C", "D"]
    assert more.idata.posterior.sizes["time"] == len(more.design.grid_quantity)
    assert first.idata.posterior.sizes["origin"] == 3
    assert ref.sources().set_index("source").loc["A", "bias"] == pytest.approx(1.0)
    # the padded fits hold the known truths (pinned within 0.005 units): padded statements and
    # truth slots change nothing; that padding adds only a constant to the log density is
    # checked exactly in test_padding_adds_only_a_constant_to_the_log_density
    for est in (first, more, ref):
        for q, day, value in zip(TRUTHS["quantity"], TRUTHS["date"], TRUTHS["value"], strict=True):
            assert est.at(q, day).iloc[0]["median"] == pytest.approx(value, rel=0.02)
    # (past a bucket, another structure: test_structure_key_ignores_numbers_and_sees_structure)
