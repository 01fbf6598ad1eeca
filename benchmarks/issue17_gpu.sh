#!/usr/bin/env bash
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
#
# Issue 17, parts 1-3, on one GPU in one command (about 480 s on an H100 or H200), from the repository root:
#
#   bash benchmarks/issue17_gpu.sh
#
# Results go to benchmarks/results/ (recipe-gpu.{json,md,png}, batch-limit-cuda.{json,md}; ISSUE17_RESULTS to put
# them elsewhere; the CPU rehearsal, ISSUE17_REHEARSAL=1, writes to /tmp/issue17-rehearsal; the last line names the
# folder) and, when $OUT is set,
# are copied there with the whole log (issue17-gpu.log): 6 files. Each step writes its files as it goes, so a run
# stopped at its time limit still leaves what it measured; ISSUE17_BUDGET_S (default 480) is the time all steps
# share, and what would not fit in what is left is skipped and named in the results.
#
# PyAV is not in every GPU image (this workplace's has no `av`): with wheels in .whl/ (an ignored folder, carried to
# the machine) it is installed from them first. To make them, on a machine with PyPI:
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl av
#
# Time per step, estimated for an H100 (ViViT-B/16x2 trains ~140 clips/s as Model 2 and ~110 as Model 1 in bf16;
# a 32-frame clip decodes in 30-120 ms on one core; 16 cores). Steps run in this order, most valuable first:
#   1. ~45 s  the largest batch of Model 2 and Model 1 without checkpointing (about 9 probes each, 1 s or less; 10 s
#             of imports): the recipe's batch is 90% of it, at most the paper's 64.
#   2. recipe_gpu.py, one process (15 s of imports, data set: 1 file encoded, 8000 hard links):
#      ~15 s  model-only Model 2 step (build, 20 clips decoded for the decode rate, 3 + 10 steps at batch 64);
#      ~150 s the recipe on Model 2 at 4, 8 and 15 workers: ~25 s each to start, evaluate 32 clips and save, and
#             ~25 s of training (--target-s; at least 20 steps: 4 workers at 60 ms a clip feed ~67 clips/s);
#      ~65 s  Model 1: model-only step, then the recipe at the best worker count;
#      ~15 s  12 recipe steps in one process under torch.cuda.set_sync_debug_mode("warn"): host syncs by line;
#      ~70 s  model-only Model 2 compiled (inductor builds forward and backward: ~60 s, guessed);
#      ~110 s the recipe on Model 2 with --torch_compile (compiling again, plus the evaluation graph).
#   3. what is left: the rest of the batch table (Models 3 and 4, and all four with gradient checkpointing; ~15-25 s
#      a row, bisected to within 5%), keeping step 1's rows.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
TOTAL=${ISSUE17_BUDGET_S:-480}
RESULTS=${ISSUE17_RESULTS:-benchmarks/results}
WORK=${ISSUE17_WORK:-/tmp/vivit_recipe_gpu}
DEVICE=cuda
LIMIT_NAME=batch-limit-cuda
LIMIT=(--model-size base --out-dir "$RESULTS")
LIMIT_REST=(--tolerance 0.05 --out-dir "$RESULTS")
RECIPE=(--target-s 25 --sync-debug-steps 12 --work-dir "$WORK" --out-dir "$RESULTS")
RECIPE_TAIL=()
if [ "${ISSUE17_REHEARSAL:-0}" = 1 ]; then
    # The same steps on the CPU at a tiny size (tests/test_benchmarks_gpu_kit.py runs this): 8 frames of 32x32, out of
    # memory faked above batch 6, 1 worker, 2 one-second videos per class, aot_eager instead of inductor. Results go
    # to /tmp/issue17-rehearsal (ISSUE17_RESULTS), not benchmarks/results/: the committed rehearsal files stay.
    DEVICE=cpu
    RESULTS=${ISSUE17_RESULTS:-/tmp/issue17-rehearsal}
    WORK=${ISSUE17_WORK:-$RESULTS/work}
    LIMIT_NAME=batch-limit-cpu-rehearsal
    LIMIT=(--model-size tiny --fake-oom-above 6 --start 2 --out-dir "$RESULTS")
    LIMIT_REST=(--model-size tiny --fake-oom-above 6 --start 2 --out-dir "$RESULTS" --variants factorised_encoder)
    RECIPE=(--workers 1 --steps 3 --classes 2 --train-clips 4
        --eval-clips 2 --video-seconds 1 --video-size 64 48 --decode-clips 4 --model-only-warmup 1 --model-only-steps 2
        --sync-debug-steps 2 --compile-backend aot_eager --work-dir "$WORK" --out-dir "$RESULTS")
    RECIPE_TAIL=(-- --model_size tiny --crop_size 32 --resize_shortest_edge 32 --torch_threads 1)
fi
LOG=${ISSUE17_LOG:-$(mktemp /tmp/issue17-gpu.XXXXXX.log)}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false

left() { echo $((TOTAL - SECONDS)); }
FAILED=()
# Each step runs whatever the one before did (what it measured is kept), and the script exits non-zero at the end
# if any failed: a run whose steps all failed must not look like a finished one.
step() {
    echo "=== $(date -u +%T) ($(left) s left): $*" | tee -a "$LOG"
    "$@" 2>&1 | tee -a "$LOG" || FAILED+=("$(basename "$2") (exit ${PIPESTATUS[0]})")
}

# ISSUE17_NO_GPU_CHECK=1: the GPU steps' flags, parsed on a machine without a GPU (tests/test_benchmarks_gpu_kit.py);
# the scripts, which refuse --device cuda without one, are told so too (benchmarks/common.py)
[ "${ISSUE17_NO_GPU_CHECK:-0}" = 1 ] && export VIVIT_BENCH_NO_CUDA_CHECK=1
if [ "$DEVICE" = cuda ] && [ "${ISSUE17_NO_GPU_CHECK:-0}" != 1 ] && ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null
then
    echo "error: torch in $PY sees no CUDA GPU (or does not import); this script measures issue 17 parts 1-3 on one (ISSUE17_REHEARSAL=1" \
        "rehearses the same steps on the CPU)" >&2
    exit 2
fi

if ! "$PY" -c "import av" 2>/dev/null; then
    ls .whl/av-*.whl >/dev/null 2>&1 || { echo "PyAV is missing and .whl/ holds no av wheel (see the header)"; exit 1; }
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/issue17-site .whl/*.whl
    export PYTHONPATH="$PYTHONPATH:/tmp/issue17-site"
fi
# torch's version read from its version.py, not imported (2 s a run: the steps import it where they measure)
VERSIONS="import runpy, av; print(runpy.run_path('benchmarks/common.py')['torch_version'](), av.__version__)"
{ nvidia-smi -L; nproc --all; free -g; df -h /dev/shm /tmp; "$PY" -c "$VERSIONS"; } 2>&1 | tee -a "$LOG"

step "$PY" benchmarks/batch_limit.py --device "$DEVICE" --variants factorised_encoder spatio_temporal \
    --checkpointing off --budget-s "$(($(left) < 60 ? $(left) : 60))" --name "$LIMIT_NAME" "${LIMIT[@]}"
# The batch step 1 found, when it wrote its file (recipe_gpu.py refuses a --batch-from that does not exist; without
# one it trains at its --batch)
BATCH_FROM=()
[ -f "$RESULTS/$LIMIT_NAME.json" ] && BATCH_FROM=(--batch-from "$RESULTS/$LIMIT_NAME.json")
step "$PY" benchmarks/recipe_gpu.py --device "$DEVICE" --compile --budget-s "$(($(left) - 15))" "${BATCH_FROM[@]}" \
    "${RECIPE[@]}" "${RECIPE_TAIL[@]}"
if [ "$(left)" -gt 30 ]; then
    step "$PY" benchmarks/batch_limit.py --device "$DEVICE" --keep-existing --budget-s "$(($(left) - 10))" \
        --name "$LIMIT_NAME" "${LIMIT_REST[@]}"
fi
echo "=== done after $SECONDS s${FAILED[*]:+; failed: ${FAILED[*]}}" | tee -a "$LOG"
echo "=== results in $RESULTS, log in $LOG" | tee -a "$LOG"

if [ -n "${OUT:-}" ]; then
    cp "$RESULTS"/recipe-gpu*.{json,md,png} "$RESULTS/$LIMIT_NAME".{json,md} "$OUT"/ 2>/dev/null
    cp "$LOG" "$OUT"/issue17-gpu.log
fi
[ ${#FAILED[@]} -eq 0 ]
