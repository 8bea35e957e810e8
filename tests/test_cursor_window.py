"""The cursor bundle's window as pure text (no container): the shapes SWE-agent's `_print` gave in its
recorded cursor demonstration (marshmallow-1867: a 1997-line fields.py opened at line 1474); and the
tool sets that may select it."""

from __future__ import annotations

import pytest

from srl_swe.env.settings import make_settings
from srl_swe.errors import SrlSweError
from srl_swe.tools import cursor_window as cw
from srl_swe.tools.schemas import BUNDLES

FIELDS = "".join(f"l{i}\n" for i in range(1, 1998))


def test_window_centres_on_the_line_and_clamps_the_cursors_with_warnings():
    line = cw.constrain_line(1474, 1997)
    shown = cw.render("/repo/fields.py", line, 1, 9, FIELDS)
    lines = shown.text.split("\n")
    # the recorded observation: 201 lines (1374..1574), both cursors moved to the window's first line
    assert lines[:5] == ["[File: /repo/fields.py (1997 lines total)]", "(1373 more lines above)", cw.START_MARK,
                         "1374:l1374", cw.END_MARK]
    assert lines[-3:] == ["(422 more lines below)", "START_CURSOR moved to 1374", "END_CURSOR moved to 1374"]
    assert len([x for x in lines if x[:1].isdigit()]) == 201 and (shown.start_cursor, shown.end_cursor) == (1374, 1374)
    again = cw.render("/repo/fields.py", line, 1475, 1475, FIELDS).text.split("\n")
    at = again.index("1475:l1475")
    assert again[at - 1 : at + 2] == [cw.START_MARK, "1475:l1475", cw.END_MARK] and "moved" not in again[-1]


def test_refusal_window_and_splice():
    # the refused edit's window: WINDOW = lines + 10, centred on the edit
    small = cw.render("/f", cw.constrain_line(1474, 1997, 11), 1475, 1475, FIELDS, 11).text.split("\n")
    assert small[:3] == ["[File: /f (1997 lines total)]", "(1468 more lines above)", "1469:l1469"]
    assert small[-2:] == ["1479:l1479", "(517 more lines below)"] and len(small) == 3 + 11 + 2
    assert cw.splice("a\nb\nc\n", 2, 2, ["x", "y"]) == "a\nx\ny\nc\n"
    assert cw.splice("a\nb", 1, 2, []) == "\n"  # printf of nothing still writes one newline
    assert cw.replacement_lines("") == [] and cw.replacement_lines("\n") == [""]
    assert cw.replacement_lines("x\n") == cw.replacement_lines("x") == ["x"]


def test_a_tool_set_with_set_cursors_cannot_have_insert():
    assert "set_cursors" in make_settings({"tools": BUNDLES["swe-agent-cursors"]}).tools
    with pytest.raises(SrlSweError, match="set_cursors selects SWE-agent's cursor tools, which have no insert"):
        make_settings({"tools": [*BUNDLES["swe-agent-cursors"], "insert"]})
