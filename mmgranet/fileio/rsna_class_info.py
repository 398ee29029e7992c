"""Reader of RSNA's ``stage_2_detailed_class_info.csv`` (``patientId,class``).

The file has one row per label row, so a patient with three boxes appears
three times with the same class; those repeats are expected and merged.
"""
from collections import OrderedDict
from typing import Dict

from .csv_rows import iter_csv_rows
from .errors import Problems

RSNA_IMAGE_CLASSES = ('Normal', 'Lung Opacity',
                      'No Lung Opacity / Not Normal')
# the image head's class the RSNA boxes belong to
LUNG_OPACITY = RSNA_IMAGE_CLASSES.index('Lung Opacity')


def read_rsna_class_info(path: str, on_error: str = 'raise') -> Dict[str, int]:
    """Read the 3-class image labels.

    Args:
        path (str): The CSV file.
        on_error (str): 'raise' (default) or 'skip' (bad rows dropped with a
            warning and their count).

    Returns:
        dict[str, int]: patientId -> index into ``RSNA_IMAGE_CLASSES``.
    """
    problems = Problems(path, on_error)
    out: Dict[str, int] = OrderedDict()
    first_line: Dict[str, int] = {}
    for line, row in iter_csv_rows(path, ['patientId', 'class'],
                                   'class file'):
        if len(row) != 2:
            problems.add(f'{len(row)} columns, expected 2', line)
            continue
        pid, name = row[0].strip(), row[1].strip()
        if name not in RSNA_IMAGE_CLASSES:
            problems.add(f'unknown class {name!r}, expected one of '
                         f'{RSNA_IMAGE_CLASSES}', line)
            continue
        label = RSNA_IMAGE_CLASSES.index(name)
        if pid in out and out[pid] != label:
            problems.add(
                f'patient {pid} is {name!r} here but '
                f'{RSNA_IMAGE_CLASSES[out[pid]]!r} on line '
                f'{first_line[pid]}', line)
            continue
        out.setdefault(pid, label)
        first_line.setdefault(pid, line)
    problems.report('rows')
    return out
