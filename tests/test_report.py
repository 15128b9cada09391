"""The HTML report and the CSV tables: escaping, self-containment, headline numbers, the
spreadsheet guard, and the ICD 203 probability words.

The report is plumbing over `Estimate`'s tables, so the fit here is mocked (prior draws
through `pymc.testing.mock_sample`): what is checked is that the page shows exactly what
the tables say, whatever the numbers are.
"""

from __future__ import annotations

import functools
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import consensus as cs  # noqa: E402
from consensus.report import (  # noqa: E402
    _file_stems,
    number,
    render_report,
    spreadsheet_safe,
    write_plots,
    write_tables,
)
from consensus.words import ICD203, band, estimative, percent, words  # noqa: E402

EVIL = "<img src=x onerror=alert(1)>"
DOLLAR = r"Fund $5 \frac{a}$"  # unbalanced mathtext: crashes matplotlib unless escaped
FORMULA = '=HYPERLINK("http://evil.example","click")'


def tiny_claims() -> pd.DataFrame:
    """Six rows, two quantities: a malicious name, a $ name, formula-like text, a relay,
    a bound, a range and a projection."""
    rows = [
        ("troops", "Agency A", "", "2024-10-01", "", "about 3,000", "first report"),
        ("troops", "Agency B", "", "2024-10-05", "", "at least 2,000", FORMULA),
        ("troops", "Outlet C", "Agency A", "2024-10-06", "", "about 3,000", "relay"),
        ("troops", EVIL, "", "2024-10-10", "", "5,000", EVIL),
        ("troops", DOLLAR, "", "2024-10-12", "2024-12-31", "up to 10,000", "@SUM(1+1)"),
        ("-officers", "Agency A", "", "2024-10-12", "", "between 300 and 400", "-5"),
    ]
    cols = ["quantity", "source", "cites", "date", "as_of", "figure", "note"]
    return pd.DataFrame(rows, columns=cols)


def mocked_fit(claims) -> cs.Estimate:
    """A fit whose 'posterior' is prior draws: fast, and enough for plumbing tests."""
    import pymc as pm
    from pymc.testing import mock_sample

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(pm, "sample", mock_sample)
        warnings.simplefilter("ignore")
        return cs.fit(claims, draws=40, chains=2, random_seed=3, progressbar=False)


@functools.cache
def shared_fit() -> cs.Estimate:
    """One mocked fit for this module and test_browser.py (tables are read, never changed)."""
    return mocked_fit(tiny_claims())


@pytest.fixture(scope="module")
def est() -> cs.Estimate:
    return shared_fit()


@pytest.fixture(scope="module")
def html(est) -> str:
    return render_report(est, title="Test <b>report</b>")


# ------------------------------------------------------------------ probability words
@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0, "almost no chance (< 1 %)"),
        (0.03, "almost no chance (3 %)"),
        (0.05, "very unlikely (5 %)"),  # an edge goes to the band nearer an even chance
        (0.2, "unlikely (20 %)"),
        (0.5, "roughly even chance (50 %)"),
        (0.55, "roughly even chance (55 %)"),
        (0.8, "likely (80 %)"),
        (0.9, "very likely (90 %)"),
        (0.95, "very likely (95 %)"),
        (0.97, "almost certain (97 %)"),
        (0.999, "almost certain (> 99 %)"),
    ],
)
def test_estimative_gives_words_and_number(p, expected):
    assert estimative(p) == expected


def test_icd203_bands_tile_the_scale_symmetrically():
    assert [b.words for b in ICD203][::-1] != [b.words for b in ICD203]
    for lo, hi in zip(ICD203, ICD203[1:], strict=False):
        assert lo.high == hi.low  # contiguous
    for b, mirror in zip(ICD203, ICD203[::-1], strict=True):
        assert b.low == pytest.approx(1 - mirror.high) and b.high == pytest.approx(1 - mirror.low)
    for p in np.linspace(0, 1, 201):  # every probability has a band, and the band holds it
        b = band(float(p))
        assert b.low <= p <= b.high or p < 0.01 or p > 0.99
    assert words(0.87) == "very likely" and percent(0.004) == "< 1 %"


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_probability_words_refuse_non_probabilities(bad):
    with pytest.raises(ValueError, match="probability"):
        estimative(bad)


def test_number_rounds_to_three_significant_figures():
    assert number(7257.3) == "7,260"
    assert number(123456) == "123,000"
    assert number(512.4) == "512"
    assert number(3.456) == "3.46"
    assert number(0.04567) == "0.0457"
    assert number(-2.5) == "-2.50"
    assert number(float("nan")) == "–"


# ------------------------------------------------------------------ the page
def test_user_strings_are_escaped(html):
    assert EVIL not in html  # never as markup...
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # ...always as text
    assert "Test &lt;b&gt;report&lt;/b&gt;" in html
    assert "<script" not in html.lower()
    # the formula note is shown as text (escaped quotes), not interpreted
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in html


def test_page_is_self_contained(html):
    # nothing to fetch: no external src/href, no CSS url(), no @import; images inline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "url(" not in html and "@import" not in html
    srcs = re.findall(r"""<img[^>]*\ssrc="([^"]*)""", html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(h.startswith("#") for h in links)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_page_has_every_section(html, est):
    for anchor in ("headline", "trajectories", "sources", "surprising", "diagnostics", "reading"):
        assert f'id="{anchor}"' in html
    assert html.count("data:image/png;base64,") == len(est.quantities)  # one chart each
    assert "Intelligence Community Directive 203" in html
    for b in ICD203:
        assert b.words in html
    assert "very likely (90 %)" in html  # the interval, in words and numbers
    assert "What a bias of 1.5 means" in html


def test_headline_numbers_are_the_tables(html, est):
    heads = est.headline()
    st = est.claims_data.statements
    for _, h in heads.iterrows():
        # the date of the latest report, read off the trajectory at the nearest grid date
        latest = st.loc[st["quantity"] == h["quantity"], "date"].max()
        traj = est.trajectory(h["quantity"])
        row = traj.iloc[(traj["date"] - latest).abs().argmin()]
        assert h["date"] == row["date"]
        for col in ("median", "lower", "upper"):
            assert h[col] == row[col]
            span = f'<span class="{col}" data-value="{float(row[col])!r}">{number(row[col])}</span>'
            assert span in html


def test_sources_table_draws_each_interval(html, est):
    src = est.sources()
    rows = re.findall(r'<tr data-origin="([^"]*)">', html)
    assert len(rows) == len(src)
    assert "&lt;img src=x onerror=alert(1)&gt;" in rows
    # an estimated bias draws its interval as a line, a fixed one a hollow circle only
    n_est = int(src["bias_estimated"].sum())
    assert html.count('stroke="#1f5f99" stroke-width="3"') == n_est


def test_loaded_fit_gives_the_same_page(est, html, tmp_path):
    est.to_netcdf(tmp_path / "fit.nc")
    again = render_report(cs.load(tmp_path / "fit.nc"), title="Test <b>report</b>")
    strip = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")  # PNG bytes carry a timestamp
    assert strip.sub("", again) == strip.sub("", html)


# ------------------------------------------------------------------ CSV and plot files
def test_spreadsheet_safe_defuses_formulas_and_keeps_numbers():
    df = pd.DataFrame(
        {
            "text": ["=1+2", "+cmd", "-x", "@SUM(A1)", "\tx", "plain", "-5", "+1.5e3", None],
            "number": [-1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -7.0, 8.0, np.nan],
        }
    )
    safe = spreadsheet_safe(df)
    assert safe["text"].tolist()[:6] == ["'=1+2", "'+cmd", "'-x", "'@SUM(A1)", "'\tx", "plain"]
    assert safe["text"].tolist()[6:8] == ["-5", "+1.5e3"]  # numbers written as text stay
    assert safe["text"].isna().iloc[-1]
    pd.testing.assert_series_equal(safe["number"], df["number"])
    assert df["text"].iloc[0] == "=1+2"  # the input is not modified


def test_tables_are_guarded_and_numeric(est, tmp_path):
    paths = write_tables(est, tmp_path)
    assert sorted(p.name for p in paths) == ["claims.csv", "sources.csv", "trajectory.csv"]
    for p in paths:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False)
        cells = [c for col in raw.columns for c in raw[col]] + list(raw.columns)
        for c in cells:
            formula = c[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"[-+]?[\d.eE+-]+", c)
            assert not formula, f"{p.name}: formula-like cell {c!r}"
    traj = pd.read_csv(tmp_path / "trajectory.csv")
    assert traj["quantity"].tolist().count("'-officers") == len(est.trajectory("-officers"))
    assert pd.api.types.is_float_dtype(traj["median"])  # numbers stay numbers
    np.testing.assert_allclose(
        traj.loc[traj["quantity"] == "troops", "median"], est.trajectory("troops")["median"]
    )
    claims = pd.read_csv(tmp_path / "claims.csv")
    assert "'-officers" in set(claims["quantity"])
    assert pd.api.types.is_float_dtype(claims["p_value"])
    src = pd.read_csv(tmp_path / "sources.csv")
    np.testing.assert_allclose(src["bias"], est.sources()["bias"])


def test_plots_are_written_and_dollar_names_do_not_crash(est, tmp_path):
    paths = write_plots(est, tmp_path)
    names = sorted(p.name for p in paths)
    # quantity names become safe file names, never paths
    assert names == sorted(
        ["sources.png", "sources.svg", "trajectory_troops.png", "trajectory_troops.svg"]
        + ["trajectory_officers.png", "trajectory_officers.svg"]
    )
    assert all(p.stat().st_size > 1000 for p in paths)
    assert _file_stems(["../../etc/passwd", "a b", "a/b", ""]) == {
        "../../etc/passwd": "etc_passwd",
        "a b": "a_b",
        "a/b": "a_b_3",
        "": "quantity",
    }
    svg = (tmp_path / "trajectory_troops.svg").read_text()
    assert "<script" not in svg
