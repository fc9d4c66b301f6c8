"""Errors that reach the user as one line on stderr (the CLI prints `str(error)`, exit 1)."""


class PolyjudgeError(Exception):
    """A user error: bad input, a missing project, a refused operation."""


class ProjectError(PolyjudgeError):
    """The project file is missing, unreadable or from a different schema."""


class InputError(PolyjudgeError):
    """A bad input file: the message names the file, the line and the problem."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ProjectBusy(PolyjudgeError):
    """Another process held the project's write lock for longer than the busy timeout (a long
    import, say). Nothing was written; the same write can simply be tried again."""
