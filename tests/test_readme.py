import os.path as osp
import re

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_every_file_the_readme_links_exists():
    text = open(osp.join(REPO, 'README.md')).read()
    paths = set(re.findall(r'\]\(((?:configs|tools|scripts|requirements)'
                           r'/[^)#\s]+)\)', text))
    paths |= set(re.findall(r'\b((?:configs|tools)/[\w/.\-]+\.(?:py|sh))',
                            text))
    assert paths, 'the README links no config or tool'
    missing = sorted(p for p in paths if not osp.exists(osp.join(REPO, p)))
    assert not missing, missing


def test_readme_states_the_test_command_ci_runs():
    readme = open(osp.join(REPO, 'README.md')).read()
    ci = open(osp.join(REPO, '.ci', 'run')).read()
    assert 'make test' in readme and 'make test' in ci
