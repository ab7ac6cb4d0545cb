"""phaselab.display.tables: rows and Markdown tables shown as HTML tables."""

import pytest

from phaselab.display.tables import Table, table

ROWS = [{"name": "cnn3d", "params": 1563736, "flops": 2.5e9}, {"name": "cnn3d-small", "params": 26112, "flops": 1.9e8}]


def test_dicts_become_an_html_table_with_numbers_right_aligned():
    shown = table(ROWS, columns={"name": "model", "params": "parameters", "flops": "MFLOPs"},
                  formats={"flops": lambda v: f"{v / 1e6:,.1f}"})
    assert shown.columns == ["model", "parameters", "MFLOPs"]
    assert shown.rows == [["cnn3d", "1,563,736", "2,500.0"], ["cnn3d-small", "26,112", "190.0"]]
    page = shown._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == 3
    assert '<td style="text-align:right; white-space:nowrap">1,563,736</td>' in page
    assert '<td style="text-align:left; white-space:nowrap">cnn3d</td>' in page


def test_a_markdown_pipe_table_is_parsed_and_text_is_escaped():
    shown = table("| word | F1 |\n|:---|---:|\n| <yes> | 0.91 ± 0.02 |\n| no | - |", caption="per word")
    assert shown.columns == ["word", "F1"] and shown.rows == [["<yes>", "0.91 ± 0.02"], ["no", "-"]]
    page = shown._repr_html_()
    assert "&lt;yes&gt;" in page and "<caption>per word</caption>" in page
    assert '<td style="text-align:right; white-space:nowrap">-</td>' in page  # a number column, one undefined
    assert repr(shown).splitlines() == ["per word", "word            F1", "<yes>  0.91 ± 0.02", "no               -"]


def test_rows_as_sequences_need_their_columns_and_every_cell():
    assert table([("a", 1)], columns=["key", "n"]).rows == [["a", "1"]]
    with pytest.raises(ValueError, match="need their columns"):
        table([("a", 1)])
    with pytest.raises(ValueError, match="needs 2 cells"):
        table([("a", 1, 2)], columns=["key", "n"])
    with pytest.raises(ValueError, match="not a table"):
        table("model  parameters")
    with pytest.raises(ValueError, match="not a table"):
        table("model  parameters\ncnn3d  12  extra")
    with pytest.raises(ValueError, match="needs 2 cells"):
        Table(["a", "b"], [["1"]])


def test_a_plain_text_table_splits_on_two_or_more_spaces():
    text = "model           parameters   MFLOPs/clip\ncnn3d            1,563,736       2,500.0\nmean ± sd     0.91 ± 0.02           -"
    shown = table(text)
    assert shown.columns == ["model", "parameters", "MFLOPs/clip"]
    assert shown.rows == [["cnn3d", "1,563,736", "2,500.0"], ["mean ± sd", "0.91 ± 0.02", "-"]]


def test_a_plain_text_table_under_a_title_keeps_the_title_as_its_caption():
    text = "taken for speech (share; 95 % interval)\nset      silero\ntwin     0.947 (0.93-0.96)\nspeech   0.972"
    shown = table(text)
    assert shown.caption == "taken for speech (share; 95 % interval)" and shown.columns == ["set", "silero"]
    assert shown.rows == [["twin", "0.947 (0.93-0.96)"], ["speech", "0.972"]]
    assert "<caption>taken for speech" in shown._repr_html_()
    assert table(text, caption="mine").caption == "mine"
    assert table("a  b\n1  2").caption == ""  # no title: the first line is the header
