"""Search text folded so that what people type finds what was registered: NFKC (full-width letters and
digits, half-width katakana ｻｸﾗ → サクラ), katakana → hiragana (サクラ → さくら), lower case. Each company
and organisation keeps its name folded by this function (``name_folded``, written with the name by
store.repo.with_folded_name), and the searches compare the folded text they were given with that column.
In SQL the same folding is ``casetrack_fold`` (a Python function registered on every SQLite connection,
an SQL function on PostgreSQL — migration 0016 — built to agree with this one): migration 0021 folded
the names already there with it. Pure: stdlib only."""

from __future__ import annotations

import unicodedata

KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))  # ァ … ヶ
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))  # ぁ … ゖ
_TO_HIRAGANA = str.maketrans(KATAKANA, HIRAGANA)


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFKC", text).translate(_TO_HIRAGANA).lower()
