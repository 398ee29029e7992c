"""The package's layers (docs/architecture.md): every import of one
mmgranet package from another goes down the order

    fileio, structures, utils, registry  ->  pseudo  ->  datasets  ->  models
    ->  engine, evaluation  ->  apis

never up it, and packages of one layer do not import each other both
ways. Parsed from the source, so an import inside a function counts too."""
import ast
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = osp.join(REPO, 'mmgranet')

LAYERS = {
    'version': 0, 'registry': 0, 'fileio': 0, 'utils': 0, 'structures': 0,
    'visualization': 0,
    'pseudo': 1,
    'datasets': 2,
    'models': 3,
    'engine': 4, 'evaluation': 4,
    'apis': 5, 'testing': 5,
}
# register_all_modules() exists to import every layer (mmdet and MMYOLO
# keep it in utils); it runs after the package is imported, so it cannot
# close an import cycle.
ALLOWED = {('utils/setup_env.py', 'register_all_modules')}


def _module_name(path):
    rel = osp.relpath(path, REPO)[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _imports(path):
    """(imported module, enclosing function or None) of a source file."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    module = _module_name(path)
    package = module if path.endswith('__init__.py') else \
        module.rsplit('.', 1)[0]
    out = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Import):
                out.extend((a.name, func) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split('.')[:len(package.split('.')) -
                                              child.level + 1]
                    name = '.'.join(base + ([child.module]
                                            if child.module else []))
                else:
                    name = child.module
                out.append((name, func))
            visit(child, inner)

    visit(tree, None)
    return out


def package_imports():
    """[(file, from-package, to-package, function)] across packages."""
    edges = []
    for root, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = osp.join(root, name)
            rel = osp.relpath(path, PACKAGE)
            src = rel.split(os.sep)[0]
            src = src[:-3] if src.endswith('.py') else src
            for target, func in _imports(path):
                parts = target.split('.')
                if parts[0] != 'mmgranet' or len(parts) < 2:
                    continue
                if parts[1] != src:
                    edges.append((rel, src, parts[1], func))
    return edges


def test_every_package_has_a_layer():
    packages = {n[:-3] if n.endswith('.py') else n
                for n in os.listdir(PACKAGE)
                if not n.startswith(('_', '.')) and (
                    n.endswith('.py') or osp.isdir(osp.join(PACKAGE, n)))}
    packages.discard('__pycache__')
    assert packages <= set(LAYERS), packages - set(LAYERS)


def test_imports_go_down_the_layers():
    edges = package_imports()
    assert edges, 'the parser found no imports between packages'
    upward = [
        f'{rel} ({src}, layer {LAYERS[src]}) imports mmgranet.{dst} '
        f'(layer {LAYERS[dst]})'
        for rel, src, dst, func in edges
        if src in LAYERS and dst in LAYERS and LAYERS[dst] > LAYERS[src]
        and (rel, func) not in ALLOWED
    ]
    assert not upward, '\n'.join(upward)


def test_no_cycle_within_a_layer():
    pairs = {(src, dst) for rel, src, dst, func in package_imports()
             if (rel, func) not in ALLOWED}
    both = sorted({tuple(sorted(p)) for p in pairs if p[::-1] in pairs})
    assert not both, both


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The parser really resolves relative and absolute imports."""
    pkg = tmp_path / 'mmgranet' / 'pseudo'
    pkg.mkdir(parents=True)
    bad = pkg / 'bad.py'
    bad.write_text('from ..datasets import RSNADataset\n'
                   'def f():\n    import mmgranet.models.necks\n')
    monkeypatch.setattr(sys.modules[__name__], 'REPO', str(tmp_path))
    found = _imports(str(bad))
    assert ('mmgranet.datasets', None) in found
    assert ('mmgranet.models.necks', 'f') in found


def test_importing_the_package_stays_light():
    """``import mmgranet`` registers nothing by itself (registries import
    their ``locations`` when first searched, as in MMYOLO)."""
    code = ('import sys, mmgranet; '
            'print(sorted(m for m in sys.modules if m.startswith('
            '"mmgranet.")))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=REPO, check=True).stdout
    loaded = eval(out)
    heavy = [m for m in loaded if m.split('.')[1] in
             ('datasets', 'models', 'engine', 'evaluation', 'apis')]
    assert not heavy, heavy
