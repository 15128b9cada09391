"""The seed case end to end: North Korean troops in Russia, October 2024.

Reads the claims, fits the consensus model, prints the estimate for
24 October 2024 with its 90 % interval, the source table and the probability
that more than 10,000 were in Russia that day, and writes the plots and the
HTML report (``output/report.html``: one self-contained page to read or send on).

    python examples/dprk_troops_2024/run.py            # full fit (4 chains x 3,000 draws)
    python examples/dprk_troops_2024/run.py --quick    # a fast smoke run (used by the tests)
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

import consensus as cs  # noqa: E402
from consensus.report import write_report  # noqa: E402

HERE = Path(__file__).resolve().parent
QUANTITY = "dprk_troops_in_russia"
DAY = "2024-10-24"
TITLE = "North Korean troops in Russia, October 2024: what the reports support"


def main(argv: list[str] | None = None) -> cs.Estimate:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # 12 statements identify the origins' noise and relative biases only weakly; 3,000 draws per
    # chain keep the effective sample size of every variable above 400 (2,000 fell just short)
    ap.add_argument("--draws", type=int, default=3000)
    ap.add_argument("--tune", type=int, default=1500)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--quick", action="store_true", help="2 chains x 200 draws: a smoke run, not for reading"
    )
    ap.add_argument(
        "--out", type=Path, default=HERE / "output", help="folder for the plots and the saved fit"
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.draws, args.tune, args.chains = 200, 200, 2

    claims = cs.read_claims(HERE / "claims.csv")
    print(claims)
    with warnings.catch_warnings():
        if args.quick:
            warnings.simplefilter("ignore", cs.ConvergenceWarning)
        est = cs.fit(
            claims, draws=args.draws, tune=args.tune, chains=args.chains, random_seed=args.seed
        )

    traj = est.trajectory(QUANTITY, prob=0.9).set_index("date")
    day = traj.iloc[abs(traj.index - pd.Timestamp(DAY)).argmin()]  # nearest grid date
    print(
        f"\nNorth Korean troops in Russia on {DAY}: {day['median']:,.0f} "
        f"(90% credible interval {day['lower']:,.0f} to {day['upper']:,.0f})"
    )
    p = est.probability(QUANTITY, DAY, above=10_000)
    print(f"P(more than 10,000 on {DAY}) = {p:.2f}")
    cols = [
        "source",
        "n_claims",
        "n_statements",
        "bias",
        "bias_lower",
        "bias_upper",
        "noise",
        "bias_estimated",
        "rank",
    ]
    with pd.option_context("display.width", 140, "display.precision", 2):
        print(
            "\nSources (bias: factor relative to the average origin; 1 = no bias; an origin "
            "that alone reports its quantities has no estimable bias and no rank):"
        )
        print(est.sources(prob=0.9)[cols].to_string(index=False))
    print("\n" + est.summary())

    args.out.mkdir(parents=True, exist_ok=True)
    fig = est.plot_trajectory(
        QUANTITY, title="North Korean troops in Russia, 2024 (consensus estimate)"
    )
    fig.savefig(args.out / "trajectory.png", dpi=130)
    est.plot_sources().savefig(args.out / "sources.png", dpi=130)
    est.to_netcdf(args.out / "fit.nc")
    report = write_report(est, args.out / "report.html", title=TITLE)
    print(
        f"\nwrote {args.out / 'trajectory.png'}, {args.out / 'sources.png'}, {args.out / 'fit.nc'}"
    )
    print(f"report: {report}")
    return est


if __name__ == "__main__":
    main()
