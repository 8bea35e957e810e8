"""The texts SWE-agent's windowed tools print, word for word: replayed expert steps are compared
with the observations they recorded, so any rewording would show up as a difference."""

from __future__ import annotations

NO_FILE_OPEN = "No file open. Use the open command first."
EDIT_NO_FILE = "No file opened. Use the `open` command first."
REPLACE_NO_FILE = "No file opened. Either `open` or `create` a file first."
INSERT_NO_FILE = "No file opened. Use the `create` or `open` command first."

EDIT_SUCCESS = (
    "File updated. Please review the changes and make sure they are correct\n"
    "(correct indentation, no duplicate lines, etc). Edit the file again if necessary."
)
_REVIEW = (
    "Please review the changes and make sure they are correct:\n\n"
    "1. The edited file is correctly indented\n"
    "2. The edited file does not contain duplicate lines\n"
    "3. The edit does not break existing functionality\n\n"
    "Edit the file again if necessary."
)
REPLACED_ONE = "Text replaced. " + _REVIEW
REPLACED_MANY = "Replaced {n} occurrences. " + _REVIEW
SAME_TEXT = ("Your search and replace strings are the same. No changes were made. "
             "Please modify your search or replace strings.")
NOT_FOUND = (
    "Your edit was not applied (file not modified): Text {search!r} not found in displayed lines "
    "(or anywhere in the file).\n"
    "Please modify your search string. Did you forget to properly handle whitespace/indentation?\n"
    "You can also call `open` again to re-display the file with the correct context."
)
NOT_IN_WINDOW = (
    "Your edit was not applied (file not modified): Text {search!r} not found in displayed lines.\n\n"
    "However, we found the following occurrences of your search string in the file:\n\n{occurrences}\n\n"
    "You can use the `goto` command to navigate to these locations before running the edit command again."
)
MANY_IN_WINDOW = (
    "Your edit was not applied (file not modified): Found more than one occurrence of {search!r} in the currently "
    "displayed lines.\nPlease make your search string more specific (for example, by including more lines of context)."
)

_LINT_BODY = (
    "{errors}\n\n"
    "This is how your edit would have looked if applied\n"
    "------------------------------------------------\n{applied}\n------------------------------------------------\n\n"
    "This is the original code before your edit\n"
    "------------------------------------------------\n{original}\n------------------------------------------------\n\n"
    "Your changes have NOT been applied. Please fix your edit command and try again.\n"
    "DO NOT re-run the same failed edit command. Running it again will lead to the same error."
)
_LINT_INTRO = "Your proposed edit has introduced new syntax error(s)."
_LINT_READ = "Please read this error message carefully and then retry editing the file."
# The three tools word their refusal slightly differently (a line break, a blank line).
LINT_EDIT_LINES = f"{_LINT_INTRO} {_LINT_READ}\n\nERRORS:\n" + _LINT_BODY
LINT_EDIT_REPLACE = f"{_LINT_INTRO} {_LINT_READ}\n\nERRORS:\n\n" + _LINT_BODY
LINT_INSERT = f"{_LINT_INTRO}\n{_LINT_READ}\n\nERRORS:\n\n" + _LINT_BODY

EDIT_FORMS = (
    "edit needs either start_line, end_line and replacement_text (replace those lines), or search and replace "
    "(replace text in the displayed lines)."
)
