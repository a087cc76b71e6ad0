#!/usr/bin/env bash
# Side-by-side: for each stage, PyTorch fp32/bf16 then ours fp32/int8, on 2 threads, repeat 5.
set -uo pipefail
OUT=${1:?out.jsonl}
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
LTX="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -jar /work/main/ltx-cli/target/ltx.jar"
M=/work/benchmodel; T=2; R=5
cd /work/ref
for st in transformer vae-decode text-encoder; do
  case $st in
    transformer)  shape=(--frames 25 --height 256 --width 384 --batch 2 --text-len 128) ;;
    vae-decode)   shape=(--frames 9 --height 256 --width 384) ;;
    text-encoder) shape=(--text-len 128) ;;
  esac
  REPEAT=$R THREADS=$T /work/ref/run_torch_bench.sh "$OUT" "$st"
  for p in fp32 int8 bf16; do
    $LTX bench --model $M --stage $st "${shape[@]}" --precision $p --threads $T --repeat $R --json --cache-dir /work/ref/wcache >> "$OUT" 2>>"$OUT.log"
    tail -n1 "$OUT" >&2
  done
done
for p in fp32 int8 bf16; do
  $LTX bench --model $M --stage vae-encode --frames 9 --height 256 --width 384 --precision $p --threads $T --repeat 3 --json --cache-dir /work/ref/wcache >> "$OUT" 2>>"$OUT.log"
  $LTX bench --model $M --stage pipeline --frames 25 --height 256 --width 384 --batch 2 --text-len 128 --steps 8 --precision $p --threads $T --json --cache-dir /work/ref/wcache >> "$OUT" 2>>"$OUT.log"
done
lscpu > "$OUT.lscpu"
echo ALLDONE >&2
