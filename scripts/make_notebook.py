"""Write examples/dprk_troops_2024/dprk_troops.ipynb (source of truth for the notebook's cells).

Run `python scripts/make_notebook.py` after editing; the test suite executes the notebook.
`python scripts/make_notebook.py --execute` also runs it at full settings (a few minutes) and
saves it with its outputs, so that readers see the results without running it.
"""

import sys
from pathlib import Path

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# North Korean troops in Russia, October 2024

In the week of 21 October 2024 five news articles carried conflicting figures (`claims.csv` holds the facts,
each row naming its article):
Ukraine's military intelligence (HUR) said about 12,000 North Korean soldiers were in Russia; the US National
Security Council said *at least* 3,000; South Korea's National Intelligence Service said about 3,000, and
*up to* 10,000 by the end of the year; Kyodo, citing Ukrainian intelligence, said about 2,000 were moving
west; the Institute for the Study of War said *several thousand*. Several outlets relayed the same
statements.

This notebook fits the `consensus` model to those claims: what was the true number, how sure can we be,
and whose figures run high or low?"""),
    code("""import os
import warnings

import pandas as pd

import consensus as cs

# the test suite runs this notebook with CONSENSUS_QUICK=1 (a smoke run, not for reading)
QUICK = os.environ.get("CONSENSUS_QUICK") == "1"
SETTINGS = dict(draws=100, tune=100, chains=2) if QUICK else dict(draws=2000, tune=1500, chains=4)
Q, DAY = "dprk_troops_in_russia", "2024-10-24"
pd.set_option("display.width", 160)"""),
    md("""## The claims

One row per figure as published, with the article in `outlet`/`note`. `cites` names whose estimate a row
relays: Kyodo's 2,000 is Ukrainian intelligence's statement, so its bias and noise belong to that origin.
Rows that relay one statement are grouped: the model sees each statement once."""),
    code("""claims = cs.read_claims("claims.csv")
print(claims)
claims.statements[["quantity", "origin", "date", "as_of", "kind", "value", "low", "high", "n_carriers"]]"""),
    md("""Figures are read from the text as written. Vague words become ranges through a documented table that
you can override (`read_claims(..., vague={...})`):"""),
    code("""for text in ["at least 3,000", "up to 10,000", "some 2,000", "several thousand",
             "two brigades of 6,000 personnel each"]:
    print(f"{text!r:40} -> {cs.parse_figure(text)}")"""),
    md("## The fit"),
    code("""with warnings.catch_warnings():
    if QUICK:
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
    est = cs.fit(claims, random_seed=2024, progressbar=False, **SETTINGS)
print(est.summary())"""),
    code("""traj = est.trajectory(Q, prob=0.9)
day = traj.iloc[(traj["date"] - pd.Timestamp(DAY)).abs().argmin()]
p = est.probability(Q, DAY, above=10_000)
print(f"On {DAY}: {day['median']:,.0f} troops (90% interval {day['lower']:,.0f} to {day['upper']:,.0f})")
print(f"P(more than 10,000 on {DAY}) = {p:.2f}")"""),
    code(
        """fig = est.plot_trajectory(Q, title="North Korean troops in Russia (consensus estimate)")"""
    ),
    md("""## Who runs high or low?

`bias` is a factor relative to the **average origin** (the default identification: biases sum to zero on
the log scale). `noise` is the typical error of one report (0.3 = within about ±30 %)."""),
    code("""est.sources(prob=0.9)[["source", "n_claims", "n_statements", "bias", "bias_lower", "bias_upper",
                        "p_high", "noise", "bias_estimated", "rank"]]"""),
    code("""fig = est.plot_sources()"""),
    md("""Each statement, with how surprising it is under the fitted model (`p_value`: the posterior predictive
probability of a report at least as far out):"""),
    code(
        """est.claims()[["quantity", "origin", "kind", "value", "low", "high", "n_carriers", "expected", "p_value"]]"""
    ),
    md("""## The identification choice matters here

With five origins the data cannot say whether Ukraine runs high or the US and South Korea run low: only
the *differences* between origins are learned. The default puts the truth at the average origin. Naming a
reference origin instead assumes that origin is unbiased, and moves the estimate with it:"""),
    code("""rows = []
for ref in (None, ["US National Security Council"], ["Ukraine military intelligence"]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        e = cs.fit(claims, reference=ref, random_seed=2024, progressbar=False, **SETTINGS)
    t = e.trajectory(Q).set_index("date").loc[pd.Timestamp(DAY)]
    rows.append({"reference": ref[0] if ref else "average origin (default)",
                 "median": round(t["median"]), "lower": round(t["lower"]), "upper": round(t["upper"]),
                 "P(>10,000)": e.probability(Q, DAY, above=10_000)})
pd.DataFrame(rows)"""),
    md("""## What this little data can and cannot say

- **Seven statements about the troop count, from four origins** (Zelensky's "two brigades of 6,000"
  relays Kyiv's intelligence, so it belongs to HUR) identify the *relative* positions of the origins, not
  who is right. "Ukraine runs high" and "the US and South Korea run low" are the same fact seen from two
  identification rules; the default (the average origin) is a convention, not evidence. The table above
  shows how much the answer moves with it: that spread, not the width of one fit's interval, is the
  honest uncertainty about the level.
- **Bounds carry less than points.** "At least 3,000" rules out fewer than 3,000 and says nothing above;
  "up to 10,000 by year end" only caps a projection, which also gets extra error for its horizon.
- **One origin, several quantities.** Ukrainian intelligence is the only source for the 2,000 moving
  west, the 500 officers and the three generals. The model carries its estimated bias to those
  quantities, so those estimates sit below the reported figures, by a factor that rests entirely on the
  troop-count comparison and the identification rule.
- **After late October only two projections remain**: South Korea's "up to 12,000" by 1 December and
  "up to 10,000" by year end. They are upper bounds with extra error for their horizon, so they cap the
  path loosely; the band widens with the random walk's learned scale and the trend is the prior's.
- **A lone source is its own consensus.** Putin is the only source on encircled Ukrainian troops, and one
  outlet the only one on munitions: biases are identified within groups of origins that report on shared
  quantities, so a lone origin gets bias 1 and its quantity's estimate is its own figure, with its noise.
- **Relays are not corroboration.** Kyodo, three articles and their outlets repeat one Ukrainian statement;
  it counts once. Real corroboration would need independent origins.

In hindsight, US and South Korean officials put the deployment at about 10,000–12,000 by mid-November
2024, close to the HUR figure.
A model that averages origins could not have known that from these articles alone; a track record of the
origins (calibration on resolved truths) is what would let it."""),
]

nb = nbf.v4.new_notebook(
    cells=cells,
    metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    },
)
out = Path(__file__).resolve().parents[1] / "examples" / "dprk_troops_2024" / "dprk_troops.ipynb"
if "--execute" in sys.argv[1:]:
    import nbclient

    nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(out.parent)}}
    ).execute()
nbf.write(nb, out)
print(f"wrote {out}")
