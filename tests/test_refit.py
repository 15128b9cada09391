"""Compile once per model structure: a refit with new numbers reuses the compiled model.

Compilations are counted (``nutpie.compile_pymc_model`` wrapped with a counter), not timed.
The claims exercise every data container: points, bounds, a range, a projection, a
standard error, a lone quantity and known truths.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import consensus as cs
from consensus import inference
from consensus.model import DATA_NAMES, build_model, model_data, structure_key
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
)  # one per quantity: a second truth of a quantity fails in build_model (its "truth" variable
# clashes with the "truth" dim under PyMC 6), a fault older than the compile cache
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


def _fit(rows, truths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cs.fit(_claims(rows), truths=truths, **KW)


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
    # a changed prior, reference, sampler setting or one more claim is another structure
    assert structure_key(d1, {"bias_sd": 2.0}) != structure_key(d1)
    assert structure_key(d1, None, ["A"]) != structure_key(d1)
    assert structure_key(d1, None, None, None, "pymc") != structure_key(d1, None, None, None)
    more = _claims([*ROWS, {**ROWS[0], "source": "D"}]).design()
    assert structure_key(more) != structure_key(_claims(ROWS).design())
    # every number the model reads is a data container, not a constant of the graph
    m = build_model(d1)
    assert {v.name for v in m.data_vars} == set(n1)


@pytest.mark.slow  # two real compilations and three fits
def test_refit_reuses_the_compiled_model_and_equals_a_cold_fit(compilations):
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


@pytest.mark.slow  # two real compilations
def test_other_structure_compiles_anew_and_labels_follow_the_design(compilations):
    _fit(ROWS, TRUTHS)
    assert len(compilations) == 1
    # renamed origins and quantities, same structure: reused, labelled with the new names
    renamed = [{**r, "source": "X" + r["source"], "quantity": r["quantity"] * 2} for r in ROWS]
    est = _fit(renamed, TRUTHS.assign(quantity=TRUTHS["quantity"] * 2))
    assert len(compilations) == 1
    post = est.idata.posterior
    assert list(post["origin"].values) == ["XA", "XB", "XC"]
    assert list(post["quantity"].values) == ["aa", "bb", "cc"]
    assert set(post["time_quantity"].values) == {"aa", "bb", "cc"}
    # one more claim: another structure, compiled anew
    _fit([*ROWS, {**ROWS[1], "source": "D"}], TRUTHS)
    assert len(compilations) == 2
    assert inference.compile_cache_info()["size"] == 2
