"""ui/feedback.py: ratings and comments persist in SQLite across store instances."""
from __future__ import annotations

import pytest

from ui.feedback import FeedbackStore


def test_add_and_list_roundtrip(tmp_path):
    path = tmp_path / "sub" / "fb.sqlite3"
    fs = FeedbackStore(path)
    assert fs.list() == []
    ans = {"text": "Art. 16 applies [1].", "citations": [{"n": 1, "doc_id": "jp-ai-promotion-act-en"}]}
    i1 = fs.add("what penalties?", ans, 1, "  helpful  ")
    i2 = fs.add("and in the EU?", {"text": "x"}, -1)
    rows = FeedbackStore(path).list()  # a fresh instance reads what the first wrote
    assert [r["id"] for r in rows] == [i1, i2]
    assert rows[0]["question"] == "what penalties?" and rows[0]["rating"] == 1 and rows[0]["comment"] == "helpful"
    assert rows[0]["answer"]["citations"][0]["doc_id"] == "jp-ai-promotion-act-en"
    assert rows[1]["rating"] == -1 and rows[1]["comment"] == ""


@pytest.mark.parametrize("bad", [0, 2, 5, None])
def test_rating_must_be_thumbs(tmp_path, bad):
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path / "fb.sqlite3").add("q", {}, bad)
