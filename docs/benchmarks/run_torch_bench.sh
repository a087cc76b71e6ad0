#!/usr/bin/env bash
# Six PyTorch reference measurements (transformer / vae-decode / text-encoder x float32 / bfloat16, --repeat 3).
# Appends one JSON line per measurement to $1; stderr of each run goes to $1.log.
#   run_torch_bench.sh OUT.jsonl [STAGE ...]      (default stages: transformer vae-decode text-encoder)
# Env overrides: REF (/work/ref), MODEL (/work/benchmodel), BENCH (/work/shared/bench/torch_bench.py),
#                THREADS (2), REPEAT (3), DTYPES ("float32 bfloat16").
set -euo pipefail
OUT=${1:?usage: $0 OUT.jsonl [STAGE ...]}; shift
REF=${REF:-/work/ref}; MODEL=${MODEL:-/work/benchmodel}; BENCH=${BENCH:-/work/shared/bench/torch_bench.py}
THREADS=${THREADS:-2}; REPEAT=${REPEAT:-3}; DTYPES=${DTYPES:-"float32 bfloat16"}
STAGES=("$@"); [ ${#STAGES[@]} -gt 0 ] || STAGES=(transformer vae-decode text-encoder)
for dt in $DTYPES; do
  for st in "${STAGES[@]}"; do
    case $st in
      transformer)  shape=(--frames 25 --height 256 --width 384 --batch 2 --text-len 128) ;;
      vae-decode)   shape=(--frames 9 --height 256 --width 384) ;;
      text-encoder) shape=(--text-len 128) ;;
      *) echo "unknown stage $st" >&2; exit 2 ;;
    esac
    echo "== $st $dt" >&2
    line=$(PYTHONPATH="$REF/src" "$REF/venv/bin/python" "$BENCH" "$MODEL" --stage "$st" "${shape[@]}" \
             --dtype "$dt" --threads "$THREADS" --repeat "$REPEAT" 2>>"$OUT.log" | tail -n 1)
    case $line in '{'*) echo "$line" >>"$OUT"; echo "$line" >&2 ;; *) echo "FAILED $st $dt (see $OUT.log)" >&2; exit 1 ;; esac
  done
done
