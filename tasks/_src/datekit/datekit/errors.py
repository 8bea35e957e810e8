"""Exceptions raised by datekit."""


class ParseError(ValueError):
    """The text could not be understood as a date or a duration.

    Subclasses ValueError so that callers that already catch ValueError keep working.
    """

    def __init__(self, message: str, text: str | None = None):
        super().__init__(message)
        self.text = text
