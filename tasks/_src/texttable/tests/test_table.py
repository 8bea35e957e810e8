import pytest

from texttable import Table, tabulate


@pytest.fixture
def fruit():
    table = Table(["name", "qty", "price"], align="lrd")
    table.add_rows([["apple", 3, 1.5], ["banana", 12, 10.25], ["kiwi", None, 3]])
    return table


def test_ascii(fruit):
    assert fruit.render() == "\n".join([
        "+--------+-----+-------+",
        "| name   | qty | price |",
        "+--------+-----+-------+",
        "| apple  |   3 |  1.5  |",
        "| banana |  12 | 10.25 |",
        "| kiwi   |     |  3    |",
        "+--------+-----+-------+",
    ])


def test_plain(fruit):
    assert fruit.render("plain") == "\n".join([
        "name    qty  price",
        "apple     3   1.5",
        "banana   12  10.25",
        "kiwi          3",
    ])


def test_markdown(fruit):
    assert fruit.render("markdown") == "\n".join([
        "| name   | qty | price |",
        "|:-------|----:|------:|",
        "| apple  |   3 |  1.5  |",
        "| banana |  12 | 10.25 |",
        "| kiwi   |     |  3    |",
    ])


def test_grid_has_rules_between_rows():
    table = Table(["a"])
    table.add_rows([["x"], ["y"]])
    assert table.render("grid").splitlines() == ["+---+", "| a |", "+---+", "| x |", "+---+", "| y |", "+---+"]


def test_markdown_center_and_minimum_width():
    table = Table(["a", "b"], align=["center", "left"])
    table.add_row(["x", "y"])
    assert table.render("markdown").splitlines()[1] == "|:---:|:----|"


def test_str_is_ascii(fruit):
    assert str(fruit) == fruit.render("ascii")


def test_unknown_style(fruit):
    with pytest.raises(ValueError):
        fruit.render("fancy")


def test_bad_alignment_rejected_early():
    with pytest.raises(ValueError):
        Table(["a"], align="x")


def test_short_rows_padded_with_missing():
    table = Table(["a", "b", "c"], missing="-")
    table.add_row([1])
    assert table.render("plain").splitlines()[1] == "1  -  -"


def test_none_rendered_as_missing():
    table = Table(["a", "b"], missing="n/a")
    table.add_row([None, 2])
    assert "n/a" in table.render()


def test_float_format():
    table = Table(["x"], float_format=".2f")
    table.add_row([3.14159])
    assert table.render("plain").splitlines()[1] == "3.14"


def test_no_headers_uses_longest_row():
    table = Table()
    table.add_rows([[1, 2, 3], [4]])
    assert table.columns == 3
    assert table.render("plain").splitlines() == ["1  2  3", "4"]


def test_empty_table():
    assert Table().render() == ""
    assert Table(["a", "b"]).render() == "+---+---+\n| a | b |\n+---+---+"


def test_wrapping_with_max_width():
    table = Table(["id", "description"], max_width=[None, 12])
    table.add_row([1, "a rather long description of the item"])
    assert table.render("plain").splitlines() == [
        "id  description",
        "1   a rather",
        "    long",
        "    description",
        "    of the item",
    ]


def test_max_width_for_all_columns():
    table = Table(["word"], max_width=4)
    table.add_row(["abcdefgh"])
    assert table.render("plain").splitlines()[1:] == ["abcd", "efgh"]


def test_multiline_cells_keep_other_columns_aligned():
    table = Table(["a", "b"])
    table.add_row(["one\ntwo", "x"])
    assert table.render().splitlines()[3:5] == ["| one | x |", "| two |   |"]


def test_tabulate():
    text = tabulate([["a", 1], ["bb", 22]], headers=["k", "v"], align="lr", style="plain")
    assert text.splitlines() == ["k   v", "a    1", "bb  22"]
