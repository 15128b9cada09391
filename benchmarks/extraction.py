"""Claims from article text: the extractor against the hand-made seed claims.

Run::

    python benchmarks/extraction.py

Reads the five seed articles from ``../shared/seeds/`` (or ``$CONSENSUS_SEEDS``)
at run time (they are not part of the repository; the script stops with a
message when they are absent), extracts candidates with
`consensus.extract.extract_files` and compares them with the rows typed by hand
from the same articles, ``examples/dprk_troops_2024/claims.csv`` (a hand row
belongs to the article its ``outlet`` column names).

Inputs given to the extractor, as a user would: the publication date
2024-10-24 for files that carry none of their own (``# published:`` line or
side-car JSON), the outlet the hand table names for the article (else the file
name), and the quantity mapping of the issue's own example
(``{"dprk_troops_in_russia": ["North Korean soldiers", "North Korean troops"]}``).
No aliases beyond the built-in table.

Measures (one-to-one matching within each article: a hand row is *found* by a
candidate of the same kind and numbers, preferring one with the same origin,
then the same date):

* ``recall``: hand rows found / hand rows;
* ``attribution``: found rows whose candidate has the same origin (``cites``,
  else ``source``), both names passed through the same alias resolution
  (`consensus.extract.canonical_origin`);
* ``date accuracy``: found rows with the same ``date``; ``as_of accuracy``:
  found rows with the same ``as_of`` (empty = the date);
* ``precision``: candidates matched to a hand row / candidates;
* ``feeds read_claims``: the candidates table is accepted by `read_claims`.

Aims (issue 12): recall >= 0.9, attribution >= 0.8, precision >= 0.7. Writes
``benchmarks/results/extraction.json`` and the extraction section of
``benchmarks/README.md``.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

import consensus as cs  # noqa: E402
from consensus.extract import canonical_origin, extract_files, link_relays  # noqa: E402

ROOT = _common.HERE.parent
SEEDS = Path(os.environ.get("CONSENSUS_SEEDS", ROOT.parent / "shared" / "seeds"))
HAND = ROOT / "examples" / "dprk_troops_2024" / "claims.csv"
PUBLISHED = "2024-10-24"
QUANTITIES = {"dprk_troops_in_russia": ["North Korean soldiers", "North Korean troops"]}
AIMS = {"recall": 0.9, "attribution": 0.8, "precision": 0.7}


def _same_numbers(a: pd.Series, b: pd.Series) -> bool:
    if a["kind"] != b["kind"]:
        return False
    for c in ("value", "low", "high"):
        x, y = a[c], b[c]
        if pd.isna(x) != pd.isna(y) or (not pd.isna(x) and not math.isclose(x, y, rel_tol=1e-9)):
            return False
    return True


def _origin(row: pd.Series) -> str:
    name = row["cites"] if isinstance(row["cites"], str) and row["cites"] else row["source"]
    return canonical_origin(str(name))


def match(hand: pd.DataFrame, cands: pd.DataFrame) -> list[tuple[int, int | None]]:
    """Pairs (hand row, candidate row or None), one-to-one within an article."""
    used: set[int] = set()
    pairs: list[tuple[int, int | None]] = []
    for h, hr in hand.iterrows():
        options = [
            c
            for c, cr in cands.iterrows()
            if c not in used and cr["file"] == hr["file"] and _same_numbers(hr, cr)
        ]
        options.sort(
            key=lambda c: (
                _origin(cands.loc[c]) != _origin(hr),
                cands.loc[c, "date"] != hr["date"],
            )
        )
        best = options[0] if options else None
        if best is not None:
            used.add(best)
        pairs.append((int(h), best))
    return pairs


def run() -> dict | None:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        print(f"[skip] no seed articles at {SEEDS} (set CONSENSUS_SEEDS to their folder)")
        return None
    raw = pd.read_csv(HAND, dtype=str, keep_default_na=False)
    parsed = cs.read_claims(raw).table
    hand = raw.assign(
        kind=parsed["kind"].to_numpy(),
        value=parsed["value"].to_numpy(),
        low=parsed["low"].to_numpy(),
        high=parsed["high"].to_numpy(),
        file=raw["outlet"].str.extract(r"(\d{3}_[0-9a-f]+\.txt)")[0],
        as_of=[a or d for a, d in zip(raw["as_of"], raw["date"], strict=True)],
    )
    t0 = time.perf_counter()
    cands = []
    for path in files:  # one call per file: each with the outlet the hand table names for it
        named = hand.loc[hand["file"] == path.name, "outlet"].str.extract(r"^(.*?)\s*\(seeds/")[0]
        outlet = named.dropna().iloc[0] if named.notna().any() else None
        cands.append((path, outlet))
    found = pd.concat(
        [
            extract_files([p], published=PUBLISHED, outlet=o, quantities=QUANTITIES)
            for p, o in cands
        ],
        ignore_index=True,
    )
    found = link_relays(found)
    seconds = time.perf_counter() - t0
    found["file"] = found["article"].map(lambda p: Path(p).name)
    found["as_of"] = [a or d for a, d in zip(found["as_of"], found["date"], strict=True)]
    hand = hand[hand["file"].isin([p.name for p in files])].reset_index(drop=True)
    pairs = match(hand, found)
    hits = [(h, c) for h, c in pairs if c is not None]
    per_row = []
    for h, c in pairs:
        hr = hand.loc[h]
        cr = found.loc[c] if c is not None else None
        per_row.append(
            {
                "id": hr["id"],
                "file": hr["file"],
                "hand": f"{hr['figure']} ({_origin(hr)}, {hr['date']})",
                "found": cr is not None,
                "candidate": "" if cr is None else f"{cr['figure']} ({_origin(cr)}, {cr['date']})",
                "same_origin": cr is not None and _origin(cr) == _origin(hr),
                "same_date": cr is not None and cr["date"] == hr["date"],
                "same_as_of": cr is not None and cr["as_of"] == hr["as_of"],
            }
        )
    matched = {c for _, c in hits}
    extra = [
        f"{r['file'][:3]}: {r['figure']} {r['quantity']} ({_origin(r)})"
        for i, r in found.iterrows()
        if i not in matched
    ]
    n_hits = max(len(hits), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the review columns are carried through, with a warning
        try:
            cs.read_claims(found.drop(columns=["file", "article"]))
            feeds = True
        except cs.ClaimsError:
            feeds = False
    scores = {
        "recall": len(hits) / len(hand),
        "attribution": sum(r["same_origin"] for r in per_row) / n_hits,
        "date_accuracy": sum(r["same_date"] for r in per_row) / n_hits,
        "as_of_accuracy": sum(r["same_as_of"] for r in per_row) / n_hits,
        "precision": len(matched) / max(len(found), 1),
    }
    return {
        "benchmark": "extraction",
        "command": "python benchmarks/extraction.py",
        "articles": [p.name for p in files],
        "n_hand": len(hand),
        "n_candidates": len(found),
        "n_found": len(hits),
        "scores": scores,
        "aims": {k: {"aim": v, "met": scores[k] >= v} for k, v in AIMS.items()},
        "feeds_read_claims": feeds,
        "seconds": seconds,
        "rows": per_row,
        "unmatched_candidates": extra,
        "machine": _common.machine(),
    }


def markdown(p: dict) -> str:
    m = p["machine"]
    s = p["scores"]
    lines = [
        f"*Measured on {m['cpu']} ({m['cores']} cores), Python {m['python']}, commit "
        f"{m['commit']}, {m['when']}.*",
        "",
        f"{len(p['articles'])} seed articles, {p['n_hand']} hand rows, {p['n_candidates']} "
        f"candidates in {p['seconds']:.1f} s; the candidates "
        f"{'feed' if p['feeds_read_claims'] else 'do NOT feed'} `read_claims`.",
        "",
        _common.md_table(
            [
                {
                    "measure": k.replace("_", " "),
                    "value": v,
                    "aim": f">= {AIMS[k]}" if k in AIMS else "",
                    "met": ("yes" if v >= AIMS[k] else "no") if k in AIMS else "",
                }
                for k, v in s.items()
            ],
            ["measure", "value", "aim", "met"],
            {"value": ".2f"},
        ),
        "",
        "Hand rows (✓ found; origin and date as the candidate gives them when they differ):",
        "",
        _common.md_table(
            [
                {
                    **r,
                    "found": "✓" if r["found"] else "✗",
                    "origin": "✓" if r["same_origin"] else ("✗" if r["found"] else ""),
                    "date": "✓" if r["same_date"] else ("✗" if r["found"] else ""),
                    "as_of": "✓" if r["same_as_of"] else ("✗" if r["found"] else ""),
                }
                for r in p["rows"]
            ],
            ["id", "hand", "found", "candidate", "origin", "date", "as_of"],
        ),
        "",
        "Candidates matching no hand row: "
        + ("; ".join(p["unmatched_candidates"]) if p["unmatched_candidates"] else "none")
        + ".",
    ]
    return "\n".join(lines)


def main() -> dict | None:
    payload = run()
    if payload is None:
        return None
    path = _common.write_json("extraction.json", payload)
    _common.publish("extraction", markdown(payload), quick=False)
    print(markdown(payload))
    print(f"wrote {path} and {_common.README}")
    return payload


if __name__ == "__main__":
    main()
