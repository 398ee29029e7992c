"""What a reviewer checks by hand, checked by the parser: no mutable
default arguments (a dict default is shared by every call), every
registered class documented."""
import ast
import glob
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SOURCES = sorted(glob.glob(osp.join(REPO, 'mmgranet', '**', '*.py'),
                           recursive=True) +
                 glob.glob(osp.join(REPO, 'tools', '**', '*.py'),
                           recursive=True))


def parse(path):
    with open(path) as f:
        return ast.parse(f.read(), path)


def test_no_mutable_default_arguments():
    found = []
    for path in SOURCES:
        for node in ast.walk(parse(path)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for d in node.args.defaults + node.args.kw_defaults:
                mutable = isinstance(d, (ast.List, ast.Dict, ast.Set)) or (
                    isinstance(d, ast.Call) and
                    getattr(d.func, 'id', None) in ('dict', 'list', 'set'))
                if mutable:
                    found.append(f'{osp.relpath(path, REPO)}:{d.lineno} '
                                 f'{node.name}(... = {ast.unparse(d)})')
    assert not found, '\n'.join(found)


def test_registered_classes_have_docstrings():
    missing = []
    for path in SOURCES:
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.ClassDef) and any(
                    'register_module' in ast.unparse(d)
                    for d in node.decorator_list):
                if not ast.get_docstring(node):
                    missing.append(f'{osp.relpath(path, REPO)} {node.name}')
    assert not missing, missing
