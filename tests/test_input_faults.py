"""Input faults of issue 9 that once got through `read_claims` or `parse_figure`.

Each test failed on the code before its fix: control characters, dot-thousands
("12.000"), superscripts, duplicate CSV headers, dates the library cannot hold,
relay chains and loops, Unicode normalisation, unquoted commas that shift
columns, and error messages of unbounded length.
"""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import consensus as cs
from consensus.claims import parse_date
from consensus.errors import MAX_LISTED, QUOTE_LIMIT, Problem
from consensus.figures import Figure, format_figure, parse_figure

HEAD = "quantity,source,date,kind,value"


def csv(text: str, tmp_path: Path) -> Path:
    p = tmp_path / "claims.csv"
    p.write_text(text.strip("\n") + "\n", encoding="utf-8")
    return p


def problems(source, **kw) -> list[Problem]:
    with pytest.raises(cs.ClaimsError) as e:
        cs.read_claims(source, **kw)
    return e.value.problems


def frame(**cols) -> pd.DataFrame:
    base = {"quantity": ["q"], "source": ["A"], "date": ["2024-01-01"], "kind": ["point"]}
    base["value"] = ["100"]
    return pd.DataFrame({**base, **cols})


# ---------------------------------------------------------------- 1. control characters
@pytest.mark.parametrize(
    ("column", "cell"),
    [("note", "fine\x00then NUL"), ("source", "A\x07"), ("quantity", "q\nq"), ("id", "x\x1b[0m")],
)
def test_control_characters_are_refused_with_row_and_column(column, cell):
    df = pd.concat([frame(), frame(**{column: [cell]})], ignore_index=True)
    (p,) = problems(df)
    assert (p.row, p.column, p.value) == (3, column, cell)
    bad = next(ch for ch in cell if ord(ch) < 32)
    assert "control character" in p.message and f"U+{ord(bad):04X}" in p.message


def test_tab_and_newline_in_a_note_are_fine(tmp_path):
    c = cs.read_claims(
        csv(f'{HEAD},note\nq,A,2024-01-01,point,100,"two\tlines\nof note"', tmp_path)
    )
    assert c.table["note"].iat[0] == "two\tlines\nof note"


# ---------------------------------------------------------------- 2. dot thousands, superscripts
@pytest.mark.parametrize("cell", ["12.000", "1.500", "-3.250", "1.234.567"])
def test_dot_thousands_in_value_is_an_error_saying_what_to_write(tmp_path, cell):
    (p,) = problems(csv(f"{HEAD}\nq,A,2024-01-01,point,{cell}", tmp_path))
    assert (p.row, p.column, p.value) == (2, "value", cell)
    assert "ambiguous" in p.message and cell.replace(".", "") in p.message


@pytest.mark.parametrize(
    ("cell", "value"), [("0.125", 0.125), ("12.5", 12.5), ("1234.567", 1234.567)]
)
def test_unambiguous_decimals_still_read(tmp_path, cell, value):
    c = cs.read_claims(csv(f"{HEAD}\nq,A,2024-01-01,point,{cell}", tmp_path))
    assert c.table["value"].iat[0] == value


def test_a_float_cell_is_a_number_not_text():
    # a DataFrame of floats holds no ambiguous text: 12.345 is 12.345
    c = cs.read_claims(frame(value=[12.345]))
    assert c.table["value"].iat[0] == 12.345


@pytest.mark.parametrize(
    ("text", "thousands"),
    [
        ("12.000", "12,000"),
        ("about 12.000", "12,000"),
        ("1.500-3.000", "1,500"),
        ("over 3.500 troops", "3,500"),
    ],
)
def test_parse_figure_refuses_dot_thousands(text, thousands):
    with pytest.raises(ValueError, match="ambiguous") as e:
        parse_figure(text)
    assert f"write {thousands}" in str(e.value)


def test_parse_figure_keeps_decimals_with_a_scale_word():
    assert parse_figure("1.125 billion") == Figure("point", 1.125e9)
    assert parse_figure("about 2.5") == Figure("point", 2.5)


@pytest.mark.parametrize("v", [12.345, -1.5, 1.25, 999.125, 0.001])
def test_format_figure_writes_no_ambiguous_decimal(v):
    assert parse_figure(format_figure(Figure("point", v))) == Figure("point", v)


@pytest.mark.parametrize("text", ["10²", "about 10³", "½ million"])
def test_superscripts_and_fractions_are_refused(text):
    with pytest.raises(ValueError, match="plain digits"):
        parse_figure(text)


def test_superscript_in_value_column(tmp_path):
    (p,) = problems(csv(f"{HEAD}\nq,A,2024-01-01,point,10²", tmp_path))
    assert (p.row, p.column, p.value) == (2, "value", "10²") and "plain digits" in p.message


def test_saved_text_of_a_decimal_reads_back(tmp_path):
    c = cs.read_claims(frame(value=[12.345]))
    path = tmp_path / "out.csv"
    c.to_csv(path)
    assert cs.read_claims(path).table["value"].iat[0] == 12.345


# ---------------------------------------------------------------- 3. duplicate CSV headers
def test_duplicate_column_names_in_a_csv_are_refused(tmp_path):
    (p,) = problems(csv(f"{HEAD},value\nq,A,2024-01-01,point,100,200", tmp_path))
    assert (p.row, p.column) == (1, "value") and "more than once" in p.message


# ---------------------------------------------------------------- 4. dates
@pytest.mark.parametrize("cell", ["1500-01-01", "1677-12-31", "2262-01-01", "9999-12-31T00:00:00"])
def test_dates_the_library_cannot_hold_are_refused(tmp_path, cell):
    ps = problems(
        csv(f"{HEAD},as_of\nq,A,2024-01-01,point,5,{cell}\nq,A,{cell},point,5,", tmp_path)
    )
    assert [(p.row, p.column, p.value) for p in ps] == [(2, "as_of", cell), (3, "date", cell)]
    assert all("1678" in p.message and "2261" in p.message for p in ps)


def test_dates_at_the_edges_are_fine(tmp_path):
    c = cs.read_claims(
        csv(f"{HEAD}\nq,A,1678-01-01,point,5\nq,A,2261-12-31,point,5", tmp_path)
    ).with_scales(None)
    assert c.table["date"].dt.year.tolist() == [1678, 2261]


@pytest.mark.parametrize(
    ("first", "last", "freq"),
    [
        ("1678-01-01", "2261-12-31", None),  # 584 years: overflows nanoseconds
        ("1970-01-01", "2261-12-31", None),  # its last grid date would be past 2262-04-11
        ("2200-01-01", "2261-12-31", "365D"),  # a yearly grid overshooting the last date
    ],
)
def test_a_grid_the_dates_cannot_hold_is_refused_naming_the_quantity(tmp_path, first, last, freq):
    """Dates inside 1678-2261 pass read_claims; a grid that spans or overshoots too far is refused."""
    c = cs.read_claims(
        csv(f"{HEAD}\nlong_q,A,{first},point,5\nlong_q,A,{last},point,5", tmp_path)
    ).with_scales(None)
    with pytest.raises(ValueError, match=f"'long_q' runs from {first} to {last}"):
        c.design(freq=freq) if freq else c.design()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-10-24", "2024-10-24"),
        (" 2024-10-24 ", "2024-10-24"),
        ("2024-10-24T02:00:00+02:00", "2024-10-24"),
        (pd.Timestamp("2024-10-24 02:00", tz="Europe/Kyiv"), "2024-10-23 23:00"),
        (pd.Timestamp("2024-10-24"), "2024-10-24"),
        (np.datetime64("2024-10-24"), "2024-10-24"),
    ],
)
def test_parse_date_reads_like_read_claims(value, expected):
    ts = parse_date(value)
    assert ts == pd.Timestamp(expected) and ts.tzinfo is None
    df = frame(date=[value])
    assert cs.read_claims(df).table["date"].iat[0] == ts


@pytest.mark.parametrize(
    "value", ["24/10/2024", "Oct 24, 2024", "2024", 20241024, "1600-01-01", ""]
)
def test_parse_date_refuses_what_read_claims_refuses(value):
    with pytest.raises(ValueError, match="ISO|1678"):
        parse_date(value)
    with pytest.raises(cs.ClaimsError):
        cs.read_claims(frame(date=[value]))


# ---------------------------------------------------------------- 5. relays and names
def test_relay_chains_are_followed_to_the_origin(tmp_path):
    # relays carry the original's as_of (the date the figure refers to)
    text = (
        "quantity,source,cites,date,as_of,figure\n"
        'q,A,,2024-01-01,2024-01-01,"about 3,000"\n'
        'q,B,A,2024-01-02,2024-01-01,"about 3,000"\n'
        'q,C,B,2024-01-03,2024-01-01,"about 3,000"\n'
        'q,C,B,2024-01-03,2024-01-01,"about 5,000"\n'  # B's own figure, relayed by C: origin B
    )
    c = cs.read_claims(csv(text, tmp_path))
    assert c.table["origin"].tolist() == ["A", "A", "A", "B"]
    assert c.statements["n_carriers"].tolist() == [3, 1]
    assert c.table["cites"].tolist() == ["", "A", "B", "B"]  # as written


def test_relay_loops_are_refused_naming_the_rows(tmp_path):
    text = (
        "quantity,source,cites,date,as_of,figure\n"
        'q,A,B,2024-01-01,2024-01-01,"about 3,000"\n'
        'q,B,A,2024-01-02,2024-01-01,"about 3,000"\n'
        'q,C,,2024-01-02,2024-01-01,"about 3,000"\n'
    )
    ps = problems(csv(text, tmp_path))
    assert [(p.row, p.column) for p in ps] == [(2, "cites"), (3, "cites")]
    assert all("loop" in p.message and "rows 2, 3" in p.message for p in ps)


def test_names_differing_only_in_normalisation_are_one(tmp_path):
    nfc, nfd = (
        "Kyiv Independent – Zaporižžia",
        unicodedata.normalize("NFD", "Kyiv Independent – Zaporižžia"),
    )
    assert nfc != nfd
    df = pd.DataFrame(
        {
            "quantity": ["Zaporižžia troops", unicodedata.normalize("NFD", "Zaporižžia troops")],
            "source": [nfc, nfd],
            "date": ["2024-01-01", "2024-01-02"],
            "kind": ["point", "point"],
            "value": [5.0, 6.0],
        }
    )
    c = cs.read_claims(df)
    assert c.quantities == ["Zaporižžia troops"] and c.origins == [nfc]


# ---------------------------------------------------------------- 6. unquoted commas
def test_an_unquoted_comma_is_reported_on_its_row(tmp_path):
    for body in (
        "q,A,2024-01-01,point,12,000\nq,B,2024-01-02,point,5",
        "q,B,2024-01-02,point,5\nq,A,2024-01-01,point,12,000",
    ):
        ps = problems(csv(f"{HEAD}\n{body}\nq,C,2024-01-03,point,1,5", tmp_path))
        rows = [p.row for p in ps]
        assert rows == ([2, 4] if body.startswith("q,A") else [3, 4])
        assert all(
            p.column is None and "6 fields" in p.message and "quote" in p.message for p in ps
        )
        assert '"12,000"' in ps[0].message


# ---------------------------------------------------------------- 7. long messages
def test_problems_quote_at_most_a_few_dozen_characters(tmp_path):
    huge = "x" * 200_000
    ps = problems(frame(value=[huge], note=["ok"]))
    assert ps[0].value == huge  # .problems keeps the whole value
    assert len(str(ps[0])) < QUOTE_LIMIT + 200
    with pytest.raises(cs.ClaimsError) as e:
        cs.read_claims(frame(figure=["about " + huge], kind=[""], value=[""]))
    assert len(str(e.value)) < 2_000


def test_error_message_lists_the_first_problems_and_counts_the_rest():
    n = MAX_LISTED + 30
    df = pd.DataFrame(
        {"quantity": ["q"] * n, "source": ["A"] * n, "date": ["soon"] * n, "kind": ["point"] * n}
        | {"value": ["1"] * n}
    )
    with pytest.raises(cs.ClaimsError) as e:
        cs.read_claims(df)
    assert len(e.value.problems) == n
    msg = str(e.value)
    assert f"{n} problems" in msg and "and 30 more" in msg
    assert msg.count("row ") == MAX_LISTED


# ---------------------------------------------------------------- every problem at once
def test_new_faults_are_listed_with_the_others(tmp_path):
    text = (
        f"{HEAD},note\n"
        "q,A,2024-01-01,point,12.000,\n"
        "q,A,1500-01-01,point,5,\n"
        "q,A,2024-01-01,guess,5,bad\x00note\n"
    )
    ps = problems(csv(text, tmp_path))
    # by row; within a row, control characters first, then the columns' own checks
    assert [(p.row, p.column) for p in ps] == [(2, "value"), (3, "date"), (4, "note"), (4, "kind")]


def test_large_simulated_table_reads_the_same_from_frame_and_csv(tmp_path):
    sim = cs.simulate(
        n_quantities=3, claims_per_quantity=200, relay_share=0.3, share_range=0.1, random_seed=3
    )
    path = tmp_path / "sim.csv"
    sim.claims.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = cs.read_claims(sim.claims), cs.read_claims(path)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.statements, b.statements)
