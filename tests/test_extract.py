"""Claims from article text (consensus.extract): fast rule tests, no sampling.

Every sentence here was written for these tests (topics far from the seed
articles, which stay out of the repository).
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import consensus as cs
from consensus.extract import canonical_origin, extract_files, link_relays, read_article
from consensus.extract.finder import find_figures

PUB = "2024-03-14"  # a Thursday

# (sentence, [(kind, value or (low, high), source, cites), ...]) with PUB as publication date
CASES = [
    # figures of every form
    ("About 4,500 residents were evacuated, the fire service said.",
     [("point", 4500, "fire service", "")]),
    ("The ministry said at least 120 schools had closed.", [("at_least", 120, "ministry", "")]),
    ("Up to 8,000 volunteers could join by spring, organisers said.",
     [("at_most", 8000, "organisers", "")]),
    ("Police estimated that between 15,000 and 20,000 people marched.",
     [("range", (15000, 20000), "Police", "")]),
    ("The charity said 300-400 families remained in shelters.",
     [("range", (300, 400), "charity", "")]),
    ("More than 2.5 million voters took part, the commission reported.",
     [("at_least", 2.5e6, "commission", "")]),
    ("Officials said several thousand sheep had drowned.",
     [("range", (3000, 9000), "Officials", "")]),
    ("Rescuers said tens of thousands of homes lost power.",
     [("range", (20000, 99999), "Rescuers", "")]),
    ("The coast guard said it had found twelve fishermen and three divers.",
     [("point", 12, "coast guard", ""), ("point", 3, "coast guard", "")]),
    ("The league said five hundred and twenty players had registered.",
     [("point", 520, "league", "")]),
    ("The army said it deployed three battalions of 800 soldiers each.",
     [("point", 2400, "army", "")]),
    ("Organisers said 12k runners finished the race.", [("point", 12000, "Organisers", "")]),
    ("The union said 3,000 or more nurses would strike.", [("at_least", 3000, "union", "")]),
    ("A spokesman said roughly a dozen boats were damaged.",
     [("point", 12, "spokesman", "")]),
    ("The agency said the number of applicants rose from 900 to 1,400 this year.",
     [("point", 1400, "agency", "")]),
    # attribution patterns
    ("According to the Red Cross, 640 people are missing.", [("point", 640, "Red Cross", "")]),
    ("Some 75 wolves live in the park, as reported by the Wildlife Trust.",
     [("point", 75, "Wildlife Trust", "")]),
    ("Maria Lopez, spokesperson for the Harbour Authority, told reporters that 40 cranes were idle.",
     [("point", 40, "Harbour Authority", "")]),
    ("Finance Minister Anna Berg estimated that 1,200 firms would apply.",
     [("point", 1200, "Anna Berg", "")]),
    ("The Institute of Marine Studies, a research group based in Bergen, noted that 90 whales were seen.",
     [("point", 90, "Institute of Marine Studies", "")]),
    ("Nearly 600 flights were cancelled, the airport operator indicated.",
     [("point", 600, "airport operator", "")]),
    ("Harbour Authority spokesperson Tom Reed said 35 ships were waiting.",
     [("point", 35, "Harbour Authority", "")]),
    ("Reuters, citing two port officials, reported that 18 tankers had left.",
     [("point", 18, "Reuters", "two port officials")]),
    ("Citing the health ministry, Kyodo said 250 patients were moved.",
     [("point", 250, "Kyodo News", "health ministry")]),
    ("At least 30 houses collapsed, reported AFP, citing local police.",
     [("at_least", 30, "Agence France-Presse", "local police")]),
    ("The mayor said 70 roads were shut, while the utility said 9,000 homes had no water.",
     [("point", 70, "mayor", ""), ("point", 9000, "utility", "")]),
    # aliases
    ("The CIA estimated that 400 fighters had crossed.", [("point", 400, "US Central Intelligence Agency", "")]),
    ("The Pentagon said 150 advisers were sent.", [("point", 150, "US Department of Defense", "")]),
    # figures that are not claims sit beside real ones
    ("In 2023, the council said, 14 bridges were repaired at a cost of $3 million.",
     [("point", 14, "council", "")]),
    ("The 62-year-old governor said 85 villages, about 40 km from the coast, were flooded.",
     [("point", 85, "governor", "")]),
    ("Turnout was 58% and 4,000 ballots were spoiled, the commission said.",
     [("point", 4000, "commission", "")]),
    ("The storm lasted 36 hours and destroyed 210 barns, the farmers' union said.",
     [("point", 210, "farmers' union", "")]),
    ("Unattributed figures from the outlet itself: 90 lorries queued at the border.",
     [("point", 90, "Daily Bugle", "")]),
]  # fmt: skip

# numbers that are not figures: (sentence, reason)
SKIPS = [
    ("The treaty was signed in 1997 by both sides.", "year"),
    ("Fighting resumed on March 3 near the dam.", "date"),
    ("The talks opened on 5 May in Geneva.", "date"),
    ("The convoy left at 6 a.m. on the main road.", "time"),
    ("A 45-year-old driver was detained.", "age"),
    ("The suspect, aged 33, was released.", "age"),
    ("The ceasefire held for 72 hours.", "duration"),
    ("A 10-day truce was announced.", "duration"),
    ("The town lies 25 miles from the front.", "measurement"),
    ("Aid worth $40 million arrived.", "money"),
    ("The fund lost 2 billion euros last year.", "money"),
    ("Support fell to 41 percent.", "percent"),
    ("Prices rose three times faster than wages.", "multiplier"),
    ("Two-thirds of the crops failed.", "fraction"),
    ("Flight 302 landed safely.", "label"),
    ("Resolution 2231 was cited.", "label"),
    ("One of the pumps failed.", "one"),
    ("A barrier of 3 metres (10 feet) of sandbags was built.", "conversion"),
]

DISTRACTORS = (
    "On 12 February 2024, at 9:30 a.m., the 58-year-old minister, who has led the ministry "
    "since 2019, flew 300 km to the valley. The 3-day visit cost $250,000, and polls put her "
    "support at 47 percent, two points up on January. One of the three bridges (Bridge 7) was "
    "closed for 48 hours. Local officials said about 1,800 households had been cut off, and "
    "the regional council said at least 25 schools would stay shut for two weeks."
)


def _rows(text: str, **kw) -> list[tuple]:
    df = cs.extract_claims(text, published=PUB, outlet="Daily Bugle", **kw)
    out = []
    for _, r in df.iterrows():
        nums = (r["low"], r["high"]) if r["kind"] == "range" else r["value"]
        out.append((r["kind"], nums, r["source"], r["cites"]))
    return out


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_sentences(text, expected):
    assert _rows(text) == expected


@pytest.mark.parametrize(("text", "reason"), SKIPS, ids=[s[0][:40] for s in SKIPS])
def test_numbers_that_are_not_figures(text, reason):
    found, skipped = find_figures(text)
    assert found == [] or reason == "conversion"
    assert reason in [s.reason for s in skipped]


def test_percentages_when_asked():
    rows = _rows("Support fell to 41 percent, the pollster said.", percentages=True)
    assert rows == [("point", 41, "pollster", "")]


def test_table_has_enough_sentences():
    assert len(CASES) + len(SKIPS) >= 40


def test_precision_on_distractor_paragraph():
    df = cs.extract_claims(DISTRACTORS, published=PUB)
    got = list(zip(df["kind"], df["value"], df["source"], strict=True))
    assert got == [("point", 1800.0, "Local officials"), ("at_least", 25.0, "regional council")]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("the ministry said on Thursday", "2024-03-14"),  # the publication day itself
        ("the ministry said on Wednesday", "2024-03-13"),
        ("the ministry said on Friday", "2024-03-08"),  # the Friday before
        ("the ministry said yesterday", "2024-03-13"),
        ("the ministry said last week", "2024-03-07"),
        ("the ministry said on the 9th", "2024-03-09"),
        ("On March 2, the ministry said", "2024-03-02"),
        ("the ministry said", "2024-03-14"),  # no date: the publication date
    ],
)
def test_relative_dates(phrase, expected):
    text = (
        f"About 300 wells have run dry, {phrase}."
        if not phrase[0].isupper()
        else (f"{phrase} that about 300 wells had run dry.")
    )
    df = cs.extract_claims(text, published=PUB)
    assert df["date"].tolist() == [expected]


def test_dates_against_another_publication_date():
    df = cs.extract_claims(
        "The ministry said on Monday that 300 wells were dry.", published="2023-12-31"
    )
    assert df["date"].tolist() == ["2023-12-25"]  # 31 December 2023 was a Sunday


@pytest.mark.parametrize(
    ("tail", "as_of"),
    [("by year end", "2024-12-31"), ("by the end of the year", "2024-12-31"),
     ("by June", "2024-06-01"), ("by the end of June", "2024-06-30")],
)  # fmt: skip
def test_projections(tail, as_of):
    df = cs.extract_claims(
        f"The agency said 500 homes were ready and up to 2,000 would be built {tail}.",
        published=PUB,
    )
    assert df["as_of"].tolist() == ["", as_of]  # only the figure the date follows


def test_quantities_mapping_and_default_keys():
    text = "Officials said 300 stray dogs and 40 cats were caught, and 12 more dogs escaped."
    df = cs.extract_claims(text, published=PUB, quantities={"dogs_caught": ["stray dogs"]})
    assert df["quantity"].tolist() == ["dogs_caught", "cats", "dogs"]


def test_user_aliases_and_unknown_names():
    table = {"Northern Water Board": ["NWB", "the water board's chief engineer"]}
    assert canonical_origin("NWB", table) == "Northern Water Board"
    assert canonical_origin("Jan Kowal, head of the NWB", table) == "Northern Water Board"
    assert canonical_origin("the Lakeside Rowing Club", table) == "Lakeside Rowing Club"
    df = cs.extract_claims("The NWB said 14 pumps had failed.", published=PUB, aliases=table)
    assert df["source"].tolist() == ["Northern Water Board"]


def test_attribution_a_sentence_earlier_and_pronouns():
    text = (
        "The regional health office said on Tuesday that its wards were full. "
        "It said 230 patients were in hospital.\n"
        "Dr Ana Ruiz, director of the Central Hospital, spoke to reporters. "
        "Some 45 of them were children. She added that 12 nurses had fallen ill."
    )
    df = cs.extract_claims(text, published=PUB)
    assert df["source"].tolist() == [
        "regional health office",
        "Central Hospital",
        "Central Hospital",
    ]
    assert df["rule"].str.split("/").str[1].tolist() == ["anaphor", "previous_sentence", "anaphor"]


def test_repeats_and_back_references_are_dropped():
    text = (
        "The agency said 2,400 tents had been delivered. The 2,400 tents went to the camps. "
        "Later the agency said again that 2,400 tents had arrived."
    )
    df = cs.extract_claims(text, published=PUB)
    assert df["value"].tolist() == [2400.0]


def test_spans_quotes_confidence_and_rule():
    text = "Nothing here. About 700 sheep were lost, the farmers said."
    df = cs.extract_claims(text, published=PUB, url="https://example.org/a")
    r = df.iloc[0]
    assert text[r["start"] : r["end"]] == "About 700"
    assert r["note"] == "About 700 sheep were lost, the farmers said."
    assert r["url"] == "https://example.org/a" and 0 < r["confidence"] <= 1
    assert r["rule"] == "point/inverted" or r["rule"] == "point/subject_verb"


def test_output_feeds_read_claims():
    df = cs.extract_claims(" ".join(c[0] for c in CASES), published=PUB, outlet="Daily Bugle")
    assert len(df) >= len(CASES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the review columns are carried through with a warning
        claims = cs.read_claims(df)
    assert len(claims.table) == len(df)


def test_relays_across_two_articles(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(
        "# published: 2024-03-14\n# outlet: Morning Post\n"
        "Some 900 tonnes of grain left the port, Reuters reported, citing shipping agents.\n"
    )
    b = tmp_path / "b.txt"
    b.write_text("Reuters said on Wednesday that 900 tonnes of grain had left the port.\n")
    (tmp_path / "b.txt.json").write_text(
        json.dumps({"published": "2024-03-15", "outlet": "Evening Star"})
    )
    df = extract_files([a, b])
    assert df["outlet"].tolist() == ["Morning Post", "Evening Star"]
    assert df["source"].tolist() == ["Reuters", "Reuters"]
    assert df["cites"].tolist() == ["shipping agents", "shipping agents"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        claims = cs.read_claims(df.drop(columns="article"))
    assert len(claims.statements) == 1  # one origin, one statement, two carriers
    assert claims.statements["n_carriers"].tolist() == [2]


def test_link_relays_leaves_distant_dates_apart():
    rows = pd.DataFrame(
        {"quantity": ["q", "q"], "source": ["A", "A"], "cites": ["B", ""], "kind": ["point"] * 2,
         "value": [5.0, 5.0], "low": [None, None], "high": [None, None],
         "date": ["2024-01-01", "2024-03-01"], "as_of": ["", ""], "outlet": ["x", "y"],
         "rule": ["r", "r"]}
    )  # fmt: skip
    assert link_relays(rows)["cites"].tolist() == ["B", ""]


def test_files_metadata_and_missing_date(tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("# published: 2024-03-14\n# url: https://example.org/c\nText.\n")
    text, meta = read_article(f)
    assert meta == {"published": "2024-03-14", "url": "https://example.org/c"}
    assert len(text) == len(f.read_text())  # header blanked, offsets kept
    g = tmp_path / "d.txt"
    g.write_text("The agency said 40 vans were sent.\n")
    with pytest.raises(ValueError, match=r"d\.txt: no publication date"):
        extract_files([g])
    assert extract_files([g], published="2024-03-14")["outlet"].tolist() == ["d.txt"]
