"""Claims from article text: candidate rows in the claims format, for a person to review.

>>> import consensus as cs
>>> cands = cs.extract_claims(
...     "About 3,000 soldiers have arrived, the ministry said on Monday.",
...     published="2024-10-24",
... )
>>> cands[["quantity", "source", "kind", "value", "date"]].to_dict("records")
[{'quantity': 'soldiers', 'source': 'ministry', 'kind': 'point', 'value': 3000.0, 'date': '2024-10-21'}]

The pipeline, one module per step: `finder` (sentences, figure phrases, numbers
that are not figures, counted nouns), `attribution` (who speaks, whom they
cite), `dates` (statement dates and "by year end", through dateparser),
`origins` (one name per origin: titles, spokespeople, aliases) and `core`
(rows, repeats, relays, files). Rules only: no model is downloaded.
See docs/extraction.md.
"""

from .core import COLUMNS, extract_claims, extract_files, link_relays, read_article
from .origins import BUILTIN_ALIASES, canonical_origin

__all__ = [
    "BUILTIN_ALIASES",
    "COLUMNS",
    "canonical_origin",
    "extract_claims",
    "extract_files",
    "link_relays",
    "read_article",
]
