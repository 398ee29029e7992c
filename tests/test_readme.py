"""Every Markdown file of the repository (README, docs/, the configs'
READMEs): its relative links point at files that exist, and the commands
in its code blocks name tools and configs that exist, with options the
tool accepts (from the tool's own --help)."""
import glob
import os.path as osp
import re
import shlex
import subprocess
import sys
from functools import lru_cache

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MARKDOWN = sorted(
    osp.relpath(p, REPO) for p in
    glob.glob(osp.join(REPO, '*.md')) +
    glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True) +
    glob.glob(osp.join(REPO, 'configs', '**', '*.md'), recursive=True) +
    glob.glob(osp.join(REPO, 'tools', '*.md')))


def read(path):
    with open(osp.join(REPO, path)) as f:
        return f.read()


def test_the_docs_are_there():
    for path in ('README.md', 'docs/installation.md', 'docs/pipeline.md',
                 'docs/evaluation.md', 'docs/data.md', 'docs/benchmarks.md',
                 'docs/architecture.md', 'docs/rsna.md',
                 'configs/granet/README.md', 'configs/retinanet/README.md'):
        assert path in MARKDOWN, path


def test_tools_readme_lists_every_script():
    text = read('tools/README.md')
    scripts = sorted(
        osp.relpath(p, osp.join(REPO, 'tools')) for p in
        glob.glob(osp.join(REPO, 'tools', '**', '*.py'), recursive=True) +
        glob.glob(osp.join(REPO, 'tools', '**', '*.sh'), recursive=True))
    assert scripts
    missing = [s for s in scripts if f']({s})' not in text]
    assert not missing, missing


def test_the_readme_is_short():
    assert len(read('README.md').splitlines()) <= 260


@pytest.mark.parametrize('path', MARKDOWN)
def test_links_point_at_files(path):
    text = read(path)
    base = osp.dirname(osp.join(REPO, path))
    missing = []
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if target.startswith(('http://', 'https://', '#', 'mailto:')):
            continue
        file = target.split('#')[0]
        if file and not osp.exists(osp.normpath(osp.join(base, file))):
            missing.append(target)
    assert not missing, missing


def commands(text):
    """Command lines of the fenced code blocks (continuations joined)."""
    out = []
    for block in re.findall(r'```(?:bash|sh)?\n(.*?)```', text, re.S):
        joined = re.sub(r'\\\n\s*', ' ', block)
        for line in joined.splitlines():
            line = line.split(' #')[0].strip()
            if line and not line.startswith('#'):
                out.append(line)
    return out


@lru_cache(maxsize=None)
def tool_help(tool):
    proc = subprocess.run([sys.executable, tool, '--help'], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (tool, proc.stderr[-2000:])
    return proc.stdout


@pytest.mark.parametrize('path', MARKDOWN)
def test_commands_name_real_tools_configs_and_options(path):
    problems = []
    for line in commands(read(path)):
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        for w in words:
            if re.match(r'^(configs|tools|scripts)/[\w/.\-]+\.(py|sh)$', w) \
                    and not osp.exists(osp.join(REPO, w)):
                problems.append(f'{line}: no {w}')
        tools = [i for i, w in enumerate(words)
                 if re.match(r'^tools/[\w/\-]+\.py$', w)]
        if not tools or words[tools[0] - 1] not in ('python', 'python3'):
            continue
        tool = words[tools[0]]
        if not osp.exists(osp.join(REPO, tool)):
            continue
        help_text = tool_help(tool)
        for w in words[tools[0] + 1:]:
            flag = w.split('=')[0]
            if flag.startswith('--') and flag not in help_text:
                problems.append(f'{line}: {tool} has no {flag}')
    assert not problems, '\n'.join(problems)


def test_readme_states_the_test_command_ci_runs():
    readme = read('README.md')
    ci = read('.ci/run')
    assert 'make test' in readme and 'make test' in ci
