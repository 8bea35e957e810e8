"""datekit: parse and format dates and durations.

>>> from datekit import parse_duration, format_duration
>>> format_duration(parse_duration("1h30m"))
'1h 30m'
"""

from datekit.calendar import add_months, days_in_month, is_leap_year
from datekit.dates import parse_date
from datekit.durations import format_duration, parse_duration, to_iso
from datekit.errors import ParseError
from datekit.humanize import naturaldelta, naturaltime

__all__ = [
    "ParseError",
    "add_months",
    "days_in_month",
    "format_duration",
    "is_leap_year",
    "naturaldelta",
    "naturaltime",
    "parse_date",
    "parse_duration",
    "to_iso",
]

__version__ = "0.4.2"
