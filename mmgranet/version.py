__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse '0.1.0' or '0.1.0rc1' into (0, 1, 0) or (0, 1, 0, 'rc1')."""
    info = []
    for part in version_str.split('.'):
        if part.isdigit():
            info.append(int(part))
        else:
            digits = ''.join(c for c in part if c.isdigit())
            info.append(int(digits[:1] or 0))
            info.append(part[len(digits[:1]):])
    return tuple(info)


version_info = parse_version_info(__version__)
