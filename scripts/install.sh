#!/usr/bin/env bash
# Set up mmgranet's environment: a virtualenv with torch, mmcv (compiled ops,
# wheel built once and cached outside the repo), mmengine, mmdet, mmagic,
# mmpretrain and mmgranet itself (editable).
#
#   VENV=.venv        where the virtualenv lives (created if missing)
#   PYTHON=python3.11 the interpreter the virtualenv is made from
#   MMGRANET_CACHE    wheel cache (default ~/.cache/mmgranet)
#
# Idempotent: a stamp in the virtualenv records a hash of every file that
# decides what gets installed; when it matches and the stack imports, the
# script returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
STAMP="$VENV/.mmgranet-install-stamp"
SMOKE='import mmgranet, mmcv.ops, mmdet.models, mmagic.models, mmpretrain.models'

hash_inputs() {
    cat requirements/*.txt setup.cfg setup.py pyproject.toml scripts/install.sh \
        scripts/build_mmcv_wheel.py | sha256sum | cut -d' ' -f1
}

log() { printf '\n==> %s\n' "$*"; }

want=$(hash_inputs)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
        && "$VENV/bin/python" -c "$SMOKE" 2>/dev/null; then
    echo "mmgranet environment in $VENV is up to date"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV ($("$PYTHON" --version))"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

log "build tools and torch (requirements/build.txt, requirements/torch.txt)"
"${PIP[@]}" -r requirements/build.txt -r requirements/torch.txt \
    -c requirements/runtime.txt  # numpy at its final pin from the start

log "mmcv 2.1.0 with compiled ops (the first build compiles 77 C++ sources:" \
    "about 11 min on 2 cores, then cached)"
wheel=$("$PY" scripts/build_mmcv_wheel.py | tail -n 1)
"${PIP[@]}" --no-deps --force-reinstall "$wheel"

log "OpenMMLab stack (requirements/runtime.txt, requirements/mmagic.txt)"
"${PIP[@]}" -r requirements/runtime.txt -r requirements/mmagic.txt \
    -r requirements/tests.txt
"${PIP[@]}" --no-deps -r requirements/nodeps.txt

log "mmgranet (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e .

log "checking the stack imports: $SMOKE"
"$PY" -c "$SMOKE" || {
    echo "install.sh: the stack does not import; see the error above" >&2
    exit 1
}
"$PY" -c 'import torch, mmcv, mmdet, mmagic, mmengine
print(f"torch {torch.__version__}  mmcv {mmcv.__version__}  "
      f"mmengine {mmengine.__version__}  mmdet {mmdet.__version__}  "
      f"mmagic {mmagic.__version__}")'
echo "$want" > "$STAMP"
