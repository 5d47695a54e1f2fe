"""Search text folded so that what people type finds what was registered: NFKC (full-width letters and
digits, half-width katakana ｻｸﾗ → サクラ), katakana → hiragana (サクラ → さくら), lower case. The
database applies the same function to the names it searches (``casetrack_fold``: a Python function
registered on every SQLite connection, an SQL function on PostgreSQL — migration 0014 — built to agree
with this one). Pure: stdlib only."""

from __future__ import annotations

import unicodedata

KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))  # ァ … ヶ
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))  # ぁ … ゖ
_TO_HIRAGANA = str.maketrans(KATAKANA, HIRAGANA)


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    return unicodedata.normalize("NFKC", text).translate(_TO_HIRAGANA).lower()
