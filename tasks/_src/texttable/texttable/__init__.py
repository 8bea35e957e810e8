"""texttable: render rows as aligned plain-text, ASCII-boxed or Markdown tables.

>>> from texttable import Table
>>> t = Table(["name", "qty"], align="lr")
>>> t.add_row(["apple", 3])
>>> print(t.render(style="plain"))
name   qty
apple    3
"""

from texttable.align import align_cell
from texttable.table import Table, tabulate
from texttable.width import display_width
from texttable.wrap import wrap_cell

__all__ = ["Table", "align_cell", "display_width", "tabulate", "wrap_cell"]

__version__ = "0.9.1"
