"""The ``consensus`` command: check a claims table, fit it, write the report.

    consensus check CLAIMS.csv                  every problem, row by row; exit 1 if any
    consensus fit CLAIMS.csv --out DIR          fit.nc, report.html, plots, tables
    consensus report FIT.nc --out REPORT.html   the report of a saved fit
    consensus extract FILE... --out candidates.csv
    consensus fit-many A.csv B.csv --out DIR    one fit per topic (Dask)

A user's mistake (a bad table, a missing file, a bad option value) ends with
one line saying what is wrong, the problems listed under it, and exit status
1; ``--debug`` shows the traceback instead. Usage errors (an unknown option)
exit with 2, as usual for command-line tools. Every string from the data is
printed as plain text, never as Rich markup.
"""

from __future__ import annotations

import enum
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .config import DEFAULT_PROB
from .errors import ClaimsError

if TYPE_CHECKING:
    import pandas as pd

    from .claims import Claims
    from .estimate import Estimate

app = typer.Typer(
    name="consensus",
    help="A defensible estimate of the truth from conflicting numeric reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

#: Exceptions that mean the user's input or options are wrong, not that consensus is broken.
#: A missing optional dependency (Dask for fit-many) counts: the message says what to install.
USER_ERRORS = (
    ClaimsError,
    ValueError,
    OSError,  # a missing file, a path through a file, no permission, an existing file as --out
    ImportError,
)

Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
Scale = Annotated[
    list[str] | None,
    typer.Option(
        "--scale",
        metavar="QUANTITY=SCALE",
        help="Scale of a quantity: log (counts, the default), logit (proportions) or identity "
        "(unbounded reals). Repeat for several; a bare SCALE applies to every quantity.",
    ),
]


class ExactMode(enum.StrEnum):
    """`fit(exact=...)` on the command line."""

    auto = "auto"
    on = "on"
    off = "off"


Exact = Annotated[
    ExactMode,
    typer.Option(
        "--exact",
        case_sensitive=False,
        help="Exact-or-wrong point claims (the truth is one of the reported figures): auto "
        "(where several sources give identical figures), on or off.",
    ),
]
_EXACT: dict[ExactMode, bool | str] = {
    ExactMode.auto: "auto",
    ExactMode.on: True,
    ExactMode.off: False,
}
Prob = Annotated[
    float, typer.Option("--prob", min=0.01, max=0.99, help="Probability of the credible intervals.")
]


# ------------------------------------------------------------------ helpers
def _plain(x: object) -> Text:
    """Any string from the data, as text Rich will not read as markup."""
    return Text(str(x))


def _say(console: Console, *parts: object, style: str | None = None) -> None:
    console.print(Text.assemble(*(str(p) for p in parts), style=style or ""), soft_wrap=True)


@contextmanager
def _user_errors(debug: bool) -> Iterator[None]:
    """Turn a user's mistake into one line (plus the problems) and exit status 1."""
    try:
        yield
    except USER_ERRORS as e:
        if debug:
            traceback.print_exc()
            raise typer.Exit(1) from e
        lines = str(e).strip().splitlines() or [type(e).__name__]
        _say(err, "error: ", lines[0], style="bold red")
        for line in lines[1:]:
            _say(err, line)
        if not isinstance(e, ClaimsError):
            _say(err, "(run with --debug for the traceback)", style="dim")
        raise typer.Exit(1) from None


@contextmanager
def _shown_warnings() -> Iterator[None]:
    """Print warnings raised inside as ``warning: ...`` lines on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                text = str(w.message)
                if text not in seen:
                    seen.add(text)
                    _say(err, "warning: ", text, style="yellow")


def _existing(path: Path, what: str = "file") -> Path:
    if not path.exists():
        raise FileNotFoundError(f"no such {what}: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a {what}")
    return path


def _scales(items: list[str] | None) -> str | dict[str, str] | None:
    """``["troops=log", "share=logit"]`` -> a mapping; a single bare ``"identity"`` -> all."""
    if not items:
        return None
    if len(items) == 1 and "=" not in items[0]:
        return items[0].strip()
    out: dict[str, str] = {}
    for item in items:
        quantity, sep, scale = item.rpartition("=")
        if not sep or not quantity.strip():
            raise ValueError(
                f"--scale {item!r}: write QUANTITY=SCALE (e.g. --scale share=logit), "
                "or one bare SCALE for every quantity"
            )
        out[quantity.strip()] = scale.strip()
    return out


def _read(path: Path, scales: str | dict[str, str] | None) -> Claims:
    from .claims import read_claims

    return read_claims(_existing(path, "claims file")).with_scales(scales)


def _headline_table(est: Estimate, prob: float) -> Table:
    from .report import number
    from .words import estimative

    table = Table(
        title=f"Estimates on the date of each quantity's latest report ({prob:.0%} interval)"
    )
    for col, justify in (("quantity", "left"), ("date", "left"), ("estimate", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    table.add_column(f"{estimative(prob)} between", justify="right")
    for _, h in est.headline(prob).iterrows():
        table.add_row(
            _plain(h["quantity"]),
            h["date"].date().isoformat(),
            number(h["median"]),
            f"{number(h['lower'])} and {number(h['upper'])}",
        )
    return table


def _print_frame(df: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for c in df.columns:
        table.add_column(_plain(c))
    for row in df.itertuples(index=False):
        table.add_row(*(_plain("" if v is None else v) for v in row))
    out.print(table)


# ------------------------------------------------------------------ commands
@app.command()
def check(
    claims: Annotated[Path, typer.Argument(help="The claims table (CSV).")],
    scale: Scale = None,
    debug: Debug = False,
) -> None:
    """Validate a claims table: every problem with its row, column and value.

    Exit status 1 when there are problems, 0 when the table can be fitted.
    """
    with _user_errors(debug), _shown_warnings():
        try:
            c = _read(claims, _scales(scale))
        except ClaimsError as e:
            n = len(e.problems)
            _say(err, f"{claims}: {n} problem{'s' if n != 1 else ''}", style="bold red")
            for p in e.problems:
                _say(err, "  - ", p)
            raise typer.Exit(1) from None
    t, st = c.table, c.statements
    used = t[~t["duplicate"]]
    kinds = st["kind"].value_counts()
    table = Table(title=f"{claims}: no problems", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    for label, n in (
        ("rows", len(t)),
        ("statements (relays counted once)", len(st)),
        ("quantities", len(c.quantities)),
        ("origins (cites if given, else source)", len(c.origins)),
        ("relays (rows repeating a statement already counted)", len(used) - len(st)),
        ("rows citing another party", int((t["cites"] != "").sum())),
        ("identical duplicate rows", int(t["duplicate"].sum())),
        ("points", int(kinds.get("point", 0))),
        ("bounds: at least", int(kinds.get("at_least", 0))),
        ("bounds: at most", int(kinds.get("at_most", 0))),
        ("ranges", int(kinds.get("range", 0))),
        ("projections (as_of after date)", int((st["as_of"] > st["date"]).sum())),
    ):
        table.add_row(label, f"{n:,}")
    out.print(table)
    per = Table(title="per quantity")
    per.add_column("quantity", overflow="fold")
    for col in ("scale", "statements", "origins", "first", "last"):
        per.add_column(col)
    for q, g in st.groupby("quantity", sort=False):
        per.add_row(
            _plain(q),
            c.scales.get(str(q), "log"),
            str(len(g)),
            str(g["origin"].nunique()),
            g["as_of"].min().date().isoformat(),
            g["as_of"].max().date().isoformat(),
        )
    out.print(per)


@app.command()
def fit(
    claims: Annotated[Path, typer.Argument(help="The claims table (CSV).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")],
    truths: Annotated[
        Path | None,
        typer.Option(help="Known true values (CSV: quantity, date, value[, stderr, note])."),
    ] = None,
    scale: Scale = None,
    reference: Annotated[
        list[str] | None,
        typer.Option("--reference", help="An origin assumed unbiased (repeatable)."),
    ] = None,
    draws: Annotated[int, typer.Option(min=1, help="Draws per chain.")] = 1000,
    tune: Annotated[int, typer.Option(min=0, help="Tuning steps per chain.")] = 1000,
    chains: Annotated[int, typer.Option(min=1, help="Independent chains.")] = 4,
    seed: Annotated[int | None, typer.Option(help="Random seed (same seed, same result).")] = None,
    prob: Prob = DEFAULT_PROB,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="The sampler's progress bar.")
    ] = True,
    exact: Exact = ExactMode.auto,
    debug: Debug = False,
) -> None:
    """Fit the model and write DIR/fit.nc, DIR/report.html, the plots and the tables."""
    import consensus as cs

    from .report import write_plots, write_report, write_tables

    with _user_errors(debug), _shown_warnings():
        c = _read(claims, _scales(scale))
        kwargs: dict[str, Any] = {}
        if truths is not None:
            kwargs["truths"] = _existing(truths, "truths file")
        if reference:
            kwargs["reference"] = list(reference)
        out_dir.mkdir(parents=True, exist_ok=True)  # before sampling: a bad --out fails at once
        _say(
            err,
            f"fitting {len(c.statements)} statements: {chains} chain{'s' if chains != 1 else ''}"
            f" x {draws:,} draws after {tune:,} tuning steps",
            style="bold",
        )
        est = cs.fit(
            c,
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            progressbar=progress,
            exact=_EXACT[exact],
            **kwargs,
        )
        est.to_netcdf(out_dir / "fit.nc")
        report = write_report(
            est,
            out_dir / "report.html",
            prob=prob,
            title=title or f"Consensus estimate: {claims.name}",
        )
        write_plots(est, out_dir, prob=prob)
        write_tables(est, out_dir, prob=prob)
    out.print(_headline_table(est, prob))
    if est.config.method == "nuts" and not est.diagnostics.ok:
        _say(out, "convergence: ", "; ".join(est.diagnostics.problems), style="yellow")
    _say(out, "wrote ", out_dir / "fit.nc", ", the plots (PNG, SVG) and tables (CSV) in ", out_dir)
    _say(out, "report: ", report, style="bold")


@app.command()
def report(
    fit_file: Annotated[Path, typer.Argument(metavar="FIT.nc", help="A fit saved by consensus.")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The HTML file; default report.html beside the fit."),
    ] = None,
    prob: Prob = DEFAULT_PROB,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    debug: Debug = False,
) -> None:
    """Write the self-contained HTML report of a saved fit."""
    import consensus as cs

    from .report import write_report

    with _user_errors(debug), _shown_warnings():
        est = cs.load(_existing(fit_file, "fit file"))
        target = out_file or fit_file.with_name("report.html")
        path = write_report(est, target, prob=prob, title=title)
    _say(out, "report: ", path, style="bold")


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Article text files.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The candidates CSV.")] = Path(
        "candidates.csv"
    ),
    published: Annotated[
        str | None, typer.Option(help="Publication date (YYYY-MM-DD) for files without one.")
    ] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet for files without one.")] = None,
    debug: Debug = False,
) -> None:
    """Find candidate claims in article text, for review before fitting."""
    from .report import spreadsheet_safe

    with _user_errors(debug), _shown_warnings():
        from .extract import extract_files

        for f in files:
            _existing(f, "article file")
        cands = extract_files([str(f) for f in files], published=published, outlet=outlet)
        out_file.parent.mkdir(parents=True, exist_ok=True)
        spreadsheet_safe(cands).to_csv(out_file, index=False)
    _say(out, f"{len(cands)} candidate claims from {len(files)} files: ", out_file, style="bold")


@app.command("fit-many")
def fit_many(
    topics: Annotated[
        list[str],
        typer.Argument(
            metavar="[TOPIC=]CLAIMS.csv...",
            help="Claims tables, one per topic (the topic is the file name, or TOPIC=).",
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for <topic>.nc.")],
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a Dask scheduler; default a local cluster.")
    ] = None,
    draws: Annotated[int, typer.Option(min=1)] = 1000,
    tune: Annotated[int, typer.Option(min=0)] = 1000,
    chains: Annotated[int, typer.Option(min=1)] = 4,
    seed: Annotated[int | None, typer.Option()] = None,
    prob: Prob = DEFAULT_PROB,
    debug: Debug = False,
) -> None:
    """Fit many topics, one task each on Dask; a table of headline estimates."""
    with _user_errors(debug), _shown_warnings():
        from .batch import fit_many as run_many

        jobs: dict[str, Path] = {}
        for item in topics:
            name, sep, path = item.partition("=")
            p = Path(path if sep else item)
            name = name if sep else p.stem
            if name in jobs:
                raise ValueError(f"topic {name!r} given twice; name them with TOPIC=CLAIMS.csv")
            jobs[name] = _existing(p, "claims file")
        client = None
        if scheduler:
            from distributed import Client

            client = Client(scheduler)
        table = run_many(
            jobs,
            out_dir=out_dir,
            client=client,
            prob=prob,
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
        )
    _print_frame(table, f"{len(table)} topics in {out_dir}")
    if "status" in table and (table["status"] == "failed").any():
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover - the console script calls `app`
    app(prog_name="consensus")
