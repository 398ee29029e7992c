from typing import Dict, List

from .errors import InputError


def read_split_file(path: str) -> List[str]:
    """patientIds of a split file, one per line; duplicates are an error."""
    try:
        with open(path) as f:
            ids = [line.strip() for line in f]
    except OSError as e:
        raise InputError(f'{path}: cannot read the split file ({e}); make '
                         'it with tools/stages/make_rsna_splits.py') from None
    seen: Dict[str, int] = {}
    for n, pid in enumerate(ids, 1):
        if pid and pid in seen:
            raise InputError(f'{path}, line {n}: patient {pid} already on '
                             f'line {seen[pid]}')
        seen.setdefault(pid, n)
    return [i for i in ids if i]
