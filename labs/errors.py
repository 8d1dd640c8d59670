"""The two kinds of error the stage tool reports to its user.

Both carry a message that is complete on its own: what went wrong and what
to do about it. The command line prints the message and exits; no traceback.
"""


class UsageError(Exception):
    """The command was asked for something that does not exist (exit 2)."""


class ToolError(Exception):
    """The request was valid but could not be carried out (exit 1)."""
