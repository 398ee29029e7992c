#!/usr/bin/env bash
# The prepared GPU check: run on a GPU machine in steps of at most 10 min
# each (GPU time is scarce), from the repository root.
#
#   bash tools/misc/gpu_check.sh setup   # install; mmcv's CUDA ops for one
#                                        # arch (TORCH_CUDA_ARCH_LIST, 9.0)
#   bash tools/misc/gpu_check.sh stack   # check_stack.py: CUDA NMS, RoIAlign
#   bash tools/misc/gpu_check.sh train   # the RSNA GRANet config, 512 px,
#                                        # batch 6, fp32 and AMP: it/s, peak
#                                        # memory (benchmark_train_gpu.py)
#   bash tools/misc/gpu_check.sh all     # the three in order
#
# Each step writes its output to $OUT (default work_dirs/gpu_check/); the
# figures go into docs/rsna.md with the date and the GPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-work_dirs/gpu_check}
mkdir -p "$OUT"
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
export MAX_JOBS=${MAX_JOBS:-$(nproc)}
PY=${VENV:-.venv}/bin/python
GRANET=configs/granet/granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_rsna-align-syn.py

step() {
    case "$1" in
        setup) nvidia-smi | tee "$OUT/nvidia-smi.txt"
               timeout 600 make setup 2>&1 | tail -n 40 | tee "$OUT/setup.txt" ;;
        stack) timeout 600 "$PY" tools/misc/check_stack.py 2>&1 \
                   | tee "$OUT/check_stack.txt" ;;
        train) timeout 600 "$PY" tools/benchmarks/benchmark_train_gpu.py \
                   "$GRANET" --batch-size 6 --size 512 --iters 20 2>&1 \
                   | grep -v Warning | tee "$OUT/train.txt" ;;
        *) echo "usage: $0 setup|stack|train|all" >&2; exit 2 ;;
    esac
}

if [ "${1:-all}" = all ]; then
    step setup; step stack; step train
else
    step "$1"
fi
