import warnings
from typing import List, Optional


class InputError(ValueError):
    """Bad input data; the message names the file (and line) at fault."""


class Problems:
    """Collects per-line problems of one file, then raises or warns.

    ``on_error='raise'`` stops at the first problem; ``'skip'`` lets the
    caller drop the offending record and, at the end, warns once with the
    count and the first few problems, so nothing is dropped silently.

    Args:
        path (str): The file being read.
        on_error (str): 'raise' or 'skip'. Defaults to 'raise'.
    """

    def __init__(self, path: str, on_error: str = 'raise') -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', "
                             f'got {on_error!r}')
        self.path = path
        self.on_error = on_error
        self.messages: List[str] = []

    def add(self, message: str, line: Optional[int] = None) -> None:
        where = f'{self.path}, line {line}' if line else self.path
        text = f'{where}: {message}'
        if self.on_error == 'raise':
            raise InputError(text)
        self.messages.append(text)

    def report(self, what: str = 'rows') -> None:
        if self.messages:
            shown = '\n  '.join(self.messages[:5])
            more = '' if len(self.messages) <= 5 else \
                f'\n  ... and {len(self.messages) - 5} more'
            warnings.warn(f'skipped {len(self.messages)} bad {what} in '
                          f'{self.path}:\n  {shown}{more}')
