"""The eval's pairs name whom to follow and who moves, and its tracks score that person."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motionbot.renderer.evaluate.pairs import find_pairs
from motionbot.renderer.evaluate.tracks import body_rows


def test_csv_performer_and_subject_columns(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_text("photo,video,performer,subject\na.jpg,v.mp4,2,\nb.jpg,v.mp4,,1\n")
    one, two = find_pairs(tmp_path / "pairs.csv")
    assert (one.performer, one.subject, two.performer, two.subject) == (2, None, None, 1)
    assert one.name == "a__v__p2" and two.name == "b__v__s1"
    (tmp_path / "plain.csv").write_text("photo,video\na.jpg,v.mp4\n")
    (plain,) = find_pairs(tmp_path / "plain.csv")
    assert plain.performer is None and plain.subject is None and plain.name == "a__v"


def test_body_rows_are_normalised() -> None:
    px = np.array([[100.0, 200.0]], np.float32)
    rows = body_rows(px, px / 2, px / 4, (400, 800))
    assert np.allclose(rows, [[0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625]])
