"""The ``consensus`` command: exit codes, outputs, and errors without tracebacks.

`fit` is run once for the module with the sampler mocked (prior draws through
`pymc.testing.mock_sample`): these tests check the wiring, files and messages.
`extract` and `fit-many` are checked against stand-ins for the functions they call.
"""

from __future__ import annotations

import re
import warnings

import matplotlib
import pandas as pd
import pytest
from typer.testing import CliRunner

matplotlib.use("Agg")

import consensus as cs  # noqa: E402
from consensus.cli import app  # noqa: E402

EVIL = "<img src=x onerror=alert(1)>"
MARKUP = "[bold red]Loud[/bold red] [/x]"  # Rich markup in a name: printed as is, never parsed

GOOD = f"""quantity,source,cites,date,as_of,figure,note
troops,Agency A,,2024-10-01,,"about 3,000",first report
troops,Agency B,,2024-10-05,,"at least 2,000",
troops,Outlet C,Agency A,2024-10-01,,"about 3,000",relay
troops,{EVIL},,2024-10-10,,"5,000",
troops,{MARKUP},,2024-10-12,2024-12-31,"up to 10,000",projection
troops,Agency A,,2024-10-15,,"between 3,000 and 4,000",
"""

BAD = """quantity,source,date,kind,value
troops,A,2024-10-01,point,abc
troops,B,2024-13-01,point,5
,C,2024-10-01,pointy,5
"""


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "good.csv").write_text(GOOD)
    (d / "bad.csv").write_text(BAD)
    return d


@pytest.fixture(scope="module")
def fitted(runner, files):
    """`consensus fit` once, sampling mocked; returns (result, out_dir)."""
    import pymc as pm
    from pymc.testing import mock_sample

    out = files / "out"
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(pm, "sample", mock_sample)
        warnings.simplefilter("ignore")
        result = runner.invoke(
            app,
            ["fit", str(files / "good.csv"), "--out", str(out), "--draws", "30"]
            + ["--chains", "2", "--seed", "5", "--no-progress", "--scale", "troops=log"],
        )
    return result, out


# ------------------------------------------------------------------ check
def test_check_good_table_exits_0_with_a_summary(runner, files):
    r = runner.invoke(app, ["check", str(files / "good.csv")])
    assert r.exit_code == 0, r.output
    assert "no problems" in " ".join(r.stdout.split())  # Rich wraps a long path's line
    counts = {
        "rows": 6,
        "statements (relays counted once)": 5,
        "quantities": 1,
        "origins (cites if given, else source)": 4,
        "relays (rows repeating a statement already counted)": 1,
        "bounds: at least": 1,
        "bounds: at most": 1,
        "ranges": 1,
        "projections (as_of after date)": 1,
    }
    for label, n in counts.items():
        assert re.search(rf"{re.escape(label)}\s*│\s*{n}\s*│", r.stdout), label
    assert "troops" in r.stdout


def test_check_bad_table_exits_1_listing_every_problem(runner, files):
    r = runner.invoke(app, ["check", str(files / "bad.csv")])
    assert r.exit_code == 1
    assert "3 problems" in r.stderr or "4 problems" in r.stderr
    assert "row 2, column 'value' (value 'abc')" in r.stderr
    assert "row 3, column 'date' (value '2024-13-01')" in r.stderr
    assert "row 4, column 'kind' (value 'pointy')" in r.stderr
    assert "Traceback" not in r.output


def test_check_applies_scales(runner, files):
    (files / "neg.csv").write_text("quantity,source,date,kind,value\nx,A,2024-01-01,point,-3\n")
    r = runner.invoke(app, ["check", str(files / "neg.csv")])
    assert r.exit_code == 1 and "row 2, column 'value'" in r.stderr
    r = runner.invoke(app, ["check", str(files / "neg.csv"), "--scale", "identity"])
    assert r.exit_code == 0, r.output


def test_missing_file_is_one_line_without_traceback(runner, files):
    r = runner.invoke(app, ["check", str(files / "nope.csv")])
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == f"error: no such claims file: {files / 'nope.csv'}"
    assert "Traceback" not in r.output


def test_an_output_path_through_a_file_is_one_line_and_fails_before_sampling(
    runner, files, monkeypatch
):
    """--out under an existing file: one error line, exit 1, and no fit started for it."""
    blocker = files / "a_file.txt"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cs, "fit", lambda *a, **k: pytest.fail("fit ran before --out was made"))
    r = runner.invoke(app, ["fit", str(files / "good.csv"), "--out", str(blocker / "out")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.startswith("error: ")
    r = runner.invoke(app, ["report", str(files / "nope.nc"), "--out", str(blocker / "r.html")])
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_debug_shows_the_traceback(runner, files):
    r = runner.invoke(app, ["report", str(files / "nope.nc"), "--debug"])
    assert r.exit_code == 1
    assert "Traceback" in r.stderr and "FileNotFoundError" in r.stderr


def test_usage_errors_exit_2(runner):
    assert runner.invoke(app, ["check"]).exit_code == 2
    assert runner.invoke(app, ["fit", "x.csv"]).exit_code == 2  # --out is required
    assert runner.invoke(app, ["nonsense"]).exit_code == 2


def test_bad_option_values_are_user_errors(runner, files):
    r = runner.invoke(app, ["fit", str(files / "good.csv"), "--out", "o", "--scale", "=log"])
    assert r.exit_code == 1 and "QUANTITY=SCALE" in r.stderr and "Traceback" not in r.output
    r = runner.invoke(
        app, ["fit", str(files / "good.csv"), "--out", "o", "--scale", "troops=cubic"]
    )
    assert r.exit_code == 1 and "unknown scale 'cubic'" in r.stderr
    r = runner.invoke(app, ["report", str(files / "bad.csv")])  # not a saved fit
    assert r.exit_code == 1 and r.stderr.startswith("error: ")


# ------------------------------------------------------------------ fit and report
def test_fit_writes_everything_and_prints_the_headline(fitted):
    result, out = fitted
    assert result.exit_code == 0, result.output
    expected = ["fit.nc", "report.html", "trajectory.csv", "sources.csv", "claims.csv"]
    expected += ["trajectory_troops.png", "trajectory_troops.svg", "sources.png", "sources.svg"]
    for name in expected:
        assert (out / name).stat().st_size > 0, name
    est = cs.load(out / "fit.nc")
    assert est.config.draws == 30 and est.config.chains == 2 and est.config.random_seed == 5
    assert f"report: {out / 'report.html'}" in result.stdout
    # the headline printed is the report's: the estimate on the date of the latest report
    from consensus.report import number

    h = est.headline().iloc[0]
    assert number(h["median"]) in result.stdout
    assert f"{number(h['lower'])} and {number(h['upper'])}" in result.stdout
    assert "very likely (90 %) between" in result.stdout


def test_exact_on_writes_the_candidates_and_a_bad_choice_is_refused(runner, files, tmp_path):
    import pymc as pm
    from pymc.testing import mock_sample

    out = tmp_path / "exact"
    base = ["fit", str(files / "good.csv"), "--out", str(out), "--draws", "20", "--chains", "2"]
    base += ["--seed", "5", "--no-progress", "--scale", "troops=log"]
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(pm, "sample", mock_sample)
        warnings.simplefilter("ignore")
        result = runner.invoke(app, [*base, "--exact", "on"])
    assert result.exit_code == 0, result.output
    est = cs.load(out / "fit.nc")
    cand = pd.read_csv(out / "candidates.csv")
    assert set(cand["quantity"]) == set(est.config.exact) and est.config.exact
    assert cand.groupby(["quantity", "date"])["probability"].sum().to_numpy() == pytest.approx(1.0)
    bad = runner.invoke(app, [*base, "--exact", "maybe"])
    assert bad.exit_code == 2 and "maybe" in bad.output


def test_names_are_printed_as_text_not_markup(fitted, runner, files):
    result, out = fitted
    src = pd.read_csv(out / "sources.csv")
    assert MARKUP in set(src["source"])  # the name reached the tables unchanged
    html = (out / "report.html").read_text()
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    r = runner.invoke(app, ["check", str(files / "good.csv")])
    assert r.exit_code == 0  # a name with Rich markup does not break the printout


def test_report_rebuilds_the_page_from_the_saved_fit(fitted, runner, tmp_path):
    _, out = fitted
    target = tmp_path / "again.html"
    r = runner.invoke(app, ["report", str(out / "fit.nc"), "--out", str(target)])
    assert r.exit_code == 0, r.output
    assert f"report: {target}" in r.stdout
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'id="headline"' in page
    r = runner.invoke(app, ["report", str(out / "fit.nc"), "--prob", "1.5"])
    assert r.exit_code == 2  # out of range: a usage error


# ------------------------------------------------------------------ extract and fit-many
def test_extract_calls_extract_files_and_guards_the_csv(runner, files, monkeypatch):
    import consensus.extract as ex

    seen = {}

    def fake(paths, *, published=None, outlet=None):
        seen.update(paths=list(paths), published=published, outlet=outlet)
        return pd.DataFrame({"quantity": ["troops"], "source": ["=cmd()"], "value": [-3.0]})

    monkeypatch.setattr(ex, "extract_files", fake)
    (files / "a.txt").write_text("text")
    out = files / "cands.csv"
    r = runner.invoke(
        app,
        ["extract", str(files / "a.txt"), "--published", "2024-10-24", "--outlet", "Kyodo"]
        + ["--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert seen == {"paths": [str(files / "a.txt")], "published": "2024-10-24", "outlet": "Kyodo"}
    back = pd.read_csv(out)
    assert back["source"].tolist() == ["'=cmd()"] and back["value"].tolist() == [-3.0]
    r = runner.invoke(app, ["extract", str(files / "missing.txt")])
    assert r.exit_code == 1 and "no such article file" in r.stderr


def test_fit_many_calls_batch_with_topics(runner, files, monkeypatch, tmp_path):
    import consensus.batch as batch

    seen = {}

    def fake(topics, *, out_dir, **kwargs):
        seen.update(topics=dict(topics), out_dir=out_dir, **kwargs)
        return pd.DataFrame({"topic": list(topics), "status": ["done"] * len(topics)})

    monkeypatch.setattr(batch, "fit_many", fake)
    good = files / "good.csv"
    r = runner.invoke(
        app,
        ["fit-many", str(good), f"other={good}", "--out", str(tmp_path), "--draws", "50"],
    )
    assert r.exit_code == 0, r.output
    assert seen["topics"] == {"good": good, "other": good}
    assert seen["out_dir"] == tmp_path and seen["draws"] == 50 and seen["client"] is None
    r = runner.invoke(app, ["fit-many", str(good), str(good), "--out", str(tmp_path)])
    assert r.exit_code == 1 and "given twice" in r.stderr


# ------------------------------------------------------------------ truths, reference, progress
TRUTHS = """quantity,date,value,stderr,note
troops,2024-10-08,2500,100,official count
troops,2024-10-14,"3,200",,
"""


def _mock_fit(runner, files, out, *options):
    """`consensus fit good.csv` with `pm.sample` mocked; returns (result, kwargs of each call)."""
    import pymc as pm
    from pymc.testing import mock_sample

    calls: list[dict] = []

    def recording_sample(*args, **kwargs):
        calls.append(kwargs)
        return mock_sample(*args, **kwargs)

    args = ["fit", str(files / "good.csv"), "--out", str(out), "--draws", "20"]
    args += ["--chains", "2", "--seed", "5", "--scale", "troops=log", *options]
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        mp.setattr(pm, "sample", recording_sample)
        warnings.simplefilter("ignore")
        result = runner.invoke(app, args)
    return result, calls


def test_fit_with_truths_saves_them_and_calibrates_the_linked_origins(
    runner, files, fitted, tmp_path
):
    (tmp_path / "truths.csv").write_text(TRUTHS)
    out = tmp_path / "out"
    r, calls = _mock_fit(
        runner, files, out, "--truths", str(tmp_path / "truths.csv"), "--no-progress"
    )
    assert r.exit_code == 0, r.output
    assert len(calls) == 1
    est = cs.load(out / "fit.nc")
    t = est.truths
    assert t is not None
    assert t["quantity"].tolist() == ["troops", "troops"]
    assert t["date"].tolist() == [pd.Timestamp("2024-10-08"), pd.Timestamp("2024-10-14")]
    assert t["value"].tolist() == [2500.0, 3200.0]
    assert t["stderr"].tolist() == [100.0, 0.0]
    assert t["note"].tolist() == ["official count", ""]
    src = est.sources()
    assert len(src) == 4  # Agency A (relayed by Outlet C), Agency B, EVIL, MARKUP
    assert src["basis"].eq("truths").all() and src["calibrated"].all()
    assert src["bias_estimated"].all() and src["p_high"].notna().all()
    assert est.config.reference == []
    # without truths the same claims only tell the origins apart
    plain = cs.load(fitted[1] / "fit.nc").sources()
    assert plain["basis"].eq("relative").all() and not plain["calibrated"].any()


@pytest.mark.parametrize("reference", [["Agency A"], ["Agency A", "Agency B"]], ids=["one", "two"])
def test_fit_with_reference_fixes_those_origins_biases(runner, files, tmp_path, reference):
    out = tmp_path / "out"
    options = [x for name in reference for x in ("--reference", name)]
    r, _ = _mock_fit(runner, files, out, *options, "--no-progress")
    assert r.exit_code == 0, r.output
    est = cs.load(out / "fit.nc")
    assert est.config.reference == reference
    assert est.truths is None
    src = est.sources().set_index("origin")
    assert set(src.index) == {"Agency A", "Agency B", EVIL, MARKUP}
    assert src["basis"].eq("reference").all() and src["calibrated"].all()
    is_ref = src.index.isin(reference)
    fixed = src[is_ref]
    assert not fixed["bias_estimated"].any() and fixed["p_high"].isna().all()
    # bias is a factor on the log scale: a reference origin's is exactly 1, no interval
    for col in ("bias", "bias_lower", "bias_upper"):
        assert fixed[col].tolist() == [1.0] * len(reference), col
    assert fixed["rank"].notna().all()  # ranked by its noise alone
    assert src[~is_ref]["bias_estimated"].all()


def test_fit_with_an_unknown_reference_is_one_error_line(runner, files, tmp_path):
    r, _ = _mock_fit(runner, files, tmp_path / "out", "--reference", "Nobody", "--no-progress")
    assert r.exit_code == 1 and "Traceback" not in r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert errors[0].startswith("error: reference origin 'Nobody' is not an origin; origins: [")
    assert not (tmp_path / "out" / "fit.nc").exists()


def test_fit_with_a_missing_truths_file_fails_before_fitting(runner, files, tmp_path, monkeypatch):
    monkeypatch.setattr(cs, "fit", lambda *a, **k: pytest.fail("fit ran without its truths"))
    missing = tmp_path / "nope.csv"
    r = runner.invoke(
        app,
        ["fit", str(files / "good.csv"), "--out", str(tmp_path / "out"), "--truths", str(missing)],
    )
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.splitlines() == [
        f"error: no such truths file: {missing}",
        "(run with --debug for the traceback)",
    ]


def test_fit_with_a_bad_truths_row_lists_the_problem(runner, files, tmp_path):
    bad = tmp_path / "truths.csv"
    bad.write_text("quantity,date,value\ntroops,2024-10-08,lots\n")
    r, calls = _mock_fit(runner, files, tmp_path / "out", "--truths", str(bad), "--no-progress")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert calls == []  # refused before sampling
    lines = r.stderr.splitlines()
    error = lines.index("error: 1 problem in the truths table:")
    assert lines[error + 1 :] == [
        "  - row 2, column 'value' (value 'lots'): not a number (write e.g. 12000 or 12,000)"
    ]
    assert not (tmp_path / "out" / "fit.nc").exists()


@pytest.mark.parametrize(
    ("options", "shown"), [((), True), (("--no-progress",), False)], ids=["default", "no-progress"]
)
def test_fit_passes_the_progress_bar_choice_to_the_sampler(runner, files, tmp_path, options, shown):
    r, calls = _mock_fit(runner, files, tmp_path / "out", *options)
    assert r.exit_code == 0, r.output
    assert [c["progressbar"] for c in calls] == [shown]
