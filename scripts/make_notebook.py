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
SETTINGS = dict(draws=100, tune=100, chains=2) if QUICK else dict(draws=3000, tune=1500, chains=4)
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

`bias` is a factor relative to the **average origin** of the origins linked by shared quantities
(`basis == "relative"`): with no known truth, the reports can only tell origins apart. `noise` is the
typical error of one report (0.3 = within about ±30 %). The truth's interval above already includes what
this leaves open: how far the origins' *average* is off, and an error all of them share."""),
    code("""est.sources(prob=0.9)[["source", "n_claims", "n_statements", "bias", "bias_lower", "bias_upper",
                        "p_high", "noise", "basis", "bias_estimated", "rank"]]"""),
    code("""fig = est.plot_sources()"""),
    md("""Each statement, with how surprising it is under the fitted model (`p_value`: the posterior predictive
probability of a report at least as far out):"""),
    code(
        """est.claims()[["quantity", "origin", "kind", "value", "low", "high", "n_carriers", "expected", "p_value"]]"""
    ),
    md("""## What would narrow it: a reference, or a known truth

With four linked origins the data cannot say whether Ukraine runs high or the US and South Korea run
low: only the *differences* between origins are learned, and the default interval spans both readings.
Naming a reference origin *assumes* it is unbiased and moves the estimate with it; a known truth (here a
hypothetical one, for illustration only: 11,000 on 15 November) *calibrates* every linked origin:"""),
    code("""rows = []
truth = pd.DataFrame({"quantity": [Q], "date": ["2024-11-15"], "value": [11_000]})
for label, kw in (("none (default)", {}),
                  ("reference: US NSC", {"reference": "US National Security Council"}),
                  ("reference: Ukraine HUR", {"reference": "Ukraine military intelligence"}),
                  ("truth: 11,000 on 15 Nov (hypothetical)", {"truths": truth})):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cs.ConvergenceWarning)
        e = cs.fit(claims, random_seed=2024, progressbar=False, **kw, **SETTINGS)
    t = e.at(Q, DAY).iloc[0]
    rows.append({"assumption": label, "median": round(t["median"]), "lower": round(t["lower"]),
                 "upper": round(t["upper"]), "P(>10,000)": e.probability(Q, DAY, above=10_000)})
pd.DataFrame(rows)"""),
    md("""## What this little data can and cannot say

- **Seven statements about the troop count, from four origins** (Zelensky's "two brigades of 6,000"
  relays Kyiv's intelligence, so it belongs to HUR) identify the *relative* positions of the origins, not
  who is right. The four disagree about fourfold (about 3,000 against about 12,000), and nothing in these
  articles says which end is nearer the truth, so the default 90 % interval spans most of that range: it
  reflects the disagreement instead of averaging it away. "Ukraine runs high" and "the US and South Korea
  run low" are two readings of one fact, relative to the average origin.
- **What would narrow it** is outside these articles: an origin you are willing to trust
  (`reference=`), or resolved figures for this or earlier topics (`truths=`, `track_record=`), as the
  table above shows.
- **Bounds carry less than points.** "At least 3,000" rules out fewer than 3,000 and says nothing above;
  "up to 10,000 by year end" only caps a projection, which also gets extra error for its horizon.
- **One origin, several quantities.** Ukrainian intelligence is the only source for the 2,000 moving
  west, the 500 officers and the three generals. The model carries its estimated relative bias to those
  quantities, and their intervals include both that bias's uncertainty and the origins' unknown average.
- **After late October only two projections remain**: South Korea's "up to 12,000" by 1 December and
  "up to 10,000" by year end. They are upper bounds with extra error for their horizon, so they cap the
  path loosely; the band widens with the random walk's learned scale and the trend is the prior's.
- **A lone source is uncalibrated.** Putin is the only source on encircled Ukrainian troops, and one
  outlet the only one on munitions: nothing else checks them, so their estimates are their own figures
  with an interval as wide as an unknown source's bias and an error all sources share allow.
- **Relays are not corroboration.** Kyodo, three articles and their outlets repeat one Ukrainian statement;
  it counts once. Real corroboration would need independent origins.

In hindsight, US and South Korean officials put the deployment at about 10,000–12,000 by mid-November
2024, close to the HUR figure and inside the default interval, in its upper part. The articles alone
could not say more; a track record of these origins (calibration on resolved truths) is what would."""),
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
