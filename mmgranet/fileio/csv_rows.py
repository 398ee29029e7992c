import csv
from typing import Iterator, List, Sequence, Tuple

from .errors import InputError


def iter_csv_rows(path: str, header: Sequence[str],
                  what: str) -> Iterator[Tuple[int, List[str]]]:
    """Yield (line number, fields) of each non-blank row of a CSV file.

    Raises:
        InputError: Naming the file when it cannot be read, is empty or
            does not start with ``header``.
    """
    try:
        f = open(path, newline='')
    except OSError as e:
        raise InputError(f'{path}: cannot read the {what} ({e})') from None
    with f:
        reader = csv.reader(f)
        first = next(reader, None)
        if first is None:
            raise InputError(f'{path}: empty file, expected the header '
                             f'{",".join(header)}')
        if [h.strip() for h in first] != list(header):
            raise InputError(f'{path}, line 1: header {first}, expected '
                             f'{",".join(header)}')
        for row in reader:
            if row:
                yield reader.line_num, row
