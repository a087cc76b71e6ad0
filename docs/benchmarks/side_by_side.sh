#!/usr/bin/env bash
# Side-by-side: for each stage, PyTorch fp32/bf16 then ours fp32/int8, on 2 threads, repeat 5.
set -uo pipefail
# Env overrides: REF (the reference env, /work/ref), MODEL (/work/benchmodel), CACHE (weight cache, $REF/wcache).
OUT=$(realpath -m "${1:?out.jsonl}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export REF=${REF:-/work/ref} MODEL=${MODEL:-/work/benchmodel}
CACHE=${CACHE:-$REF/wcache}
LTX="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -jar $ROOT/ltx-cli/target/ltx.jar"
M=$MODEL; T=2; R=5
cd "$REF"
for st in transformer vae-decode text-encoder; do
  case $st in
    transformer)  shape=(--frames 25 --height 256 --width 384 --batch 2 --text-len 128) ;;
    vae-decode)   shape=(--frames 9 --height 256 --width 384) ;;
    text-encoder) shape=(--text-len 128) ;;
  esac
  REPEAT=$R THREADS=$T "$HERE/run_torch_bench.sh" "$OUT" "$st"
  for p in fp32 int8 bf16; do
    $LTX bench --model $M --stage $st "${shape[@]}" --precision $p --threads $T --repeat $R --json --cache-dir "$CACHE" >> "$OUT" 2>>"$OUT.log"
    tail -n1 "$OUT" >&2
  done
done
for p in fp32 int8 bf16; do
  $LTX bench --model $M --stage vae-encode --frames 9 --height 256 --width 384 --precision $p --threads $T --repeat 3 --json --cache-dir "$CACHE" >> "$OUT" 2>>"$OUT.log"
  $LTX bench --model $M --stage pipeline --frames 25 --height 256 --width 384 --batch 2 --text-len 128 --steps 8 --precision $p --threads $T --json --cache-dir "$CACHE" >> "$OUT" 2>>"$OUT.log"
done
lscpu > "$OUT.lscpu"
echo ALLDONE >&2
