#!/usr/bin/env bash
# Benchmark of issue #7: render vs the YAML floor, side by side in one run.
#
#   scripts/bench.sh [RUNS] [--callgrind]
#
# RUNS (default 5): rounds of measurement; each round runs floor and render once on the large
# repository and ten times each on the small one, so that all four figures see the same
# machine load; the fastest of each is kept.
# --callgrind: also count instructions with valgrind (repeatable where wall clock is not;
# about five more minutes).
#
# Builds the release binary and the bench_tool example, generates the monorepo of
# tests/support/bench_repo.rs at 100 and 1,000 namespaces under $BENCH_DIR (default /tmp/bcp-bench),
# then measures:
#   floor   bench_tool floor DIR: parse every document with bcp_render::yaml::parse_stream and
#           re-emit them all with bcp_render::yaml::emit_yaml_stream (no other work);
#   render  bcp-render render --global-policy-namespace kgateway-system DIR (default output);
#   small   bcp-render render on a 10-object app (ns-0000/services.yaml), process start included.
# Wall clock, CPU time and peak RSS come from /usr/bin/time. Prints a markdown table of ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5
CALLGRIND=false
for arg in "$@"; do
  case $arg in
    --callgrind) CALLGRIND=true ;;
    *) RUNS=$arg ;;
  esac
done
DIR=${BENCH_DIR:-/tmp/bcp-bench}
cargo build --release --quiet --bin bcp-render --example bench_tool
BIN=target/release/bcp-render
TOOL=target/release/examples/bench_tool
for n in 100 1000; do
  rm -rf "$DIR/ns$n"
  "$TOOL" generate "$n" "$DIR/ns$n"
done
GLOBAL=(--global-policy-namespace kgateway-system)

# One timed measurement of REPEAT back-to-back runs (so that short runs are not lost in the
# 10 ms resolution of /usr/bin/time): prints per-run "wall-seconds cpu-seconds" and the peak
# RSS in KB.
run_once() {
  local repeat=$1
  shift
  # Output to /dev/null: the figures are about computing it, not about this disk.
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" \
    bash -c 'for _ in $(seq "$0"); do "$@" > /dev/null 2> /dev/null; done' "$repeat" "$@"
  awk -v n="$repeat" '{printf "%.4f %.4f %s\n", $1 / n, ($2 + $3) / n, $4}' "$DIR/time.txt"
}

# All four measurements take turns, RUNS rounds of: floor and render once on the large
# repository, then ten back-to-back runs of each on the small one (timed together), so that
# every figure sees the same phases of the machine's load. Kept per measurement: the fastest
# wall clock with that run's peak RSS, and the least CPU time.
less() { [ -z "$2" ] || awk "BEGIN{exit !($1 < $2)}"; }
declare -A wall rss cpu
measure() {
  local key=$1 repeat=$2 w c m
  shift 2
  read -r w c m < <(run_once "$repeat" "$@")
  if less "$w" "${wall[$key]:-}"; then wall[$key]=$w; rss[$key]=$m; fi
  if less "$c" "${cpu[$key]:-}"; then cpu[$key]=$c; fi
}
for _ in $(seq "$RUNS"); do
  measure floor1000 1 "$TOOL" floor "$DIR/ns1000"
  measure render1000 1 "$BIN" render "${GLOBAL[@]}" "$DIR/ns1000"
  measure floor100 10 "$TOOL" floor "$DIR/ns100"
  measure render100 10 "$BIN" render "${GLOBAL[@]}" "$DIR/ns100"
done
floor1000=${wall[floor1000]} floor1000_rss=${rss[floor1000]} floor1000_cpu=${cpu[floor1000]}
render1000=${wall[render1000]} render1000_rss=${rss[render1000]} render1000_cpu=${cpu[render1000]}
floor100=${wall[floor100]} floor100_cpu=${cpu[floor100]}
render100=${wall[render100]} render100_cpu=${cpu[render100]}

# small app: median of 21 runs, in milliseconds, process start included
small=()
for _ in $(seq 21); do
  s=$(date +%s%N)
  "$BIN" render "${GLOBAL[@]}" "$DIR/ns100/ns-0000/services.yaml" > /dev/null
  e=$(date +%s%N)
  small+=($(( (e - s) / 1000 )))
done
small_ms=$(printf '%s\n' "${small[@]}" | sort -n | sed -n 11p | awk '{printf "%.1f", $1/1000}')

size=$(find "$DIR/ns1000" -name '*.yaml' -exec cat {} + | wc -c)
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }
verdict() { awk "BEGIN{print ($1 <= $2) ? \"yes\" : \"**no**\"}"; }
r1=$(ratio "$render1000" "$floor1000")
r1c=$(ratio "$render1000_cpu" "$floor1000_cpu")
r2=$(ratio "$render1000" "$render100")
r2c=$(ratio "$render1000_cpu" "$render100_cpu")
r2f=$(ratio "$floor1000" "$floor100")
r3=$(ratio "$render1000_rss" "$floor1000_rss")
echo
echo "large repo: $size bytes; fastest of $RUNS interleaved rounds (10 runs timed together at 100 namespaces); $(nproc) cores"
echo
echo "| figure | measured | target | holds |"
echo "|---|---|---|---|"
echo "| render / floor, 1,000 namespaces, wall clock | $r1× (CPU time: $r1c×) | ≤ 1.5× | $(verdict "$r1" 1.5) |"
echo "| render 1,000 / render 100 namespaces, wall clock | $r2× (CPU time: $r2c×; floor: $r2f×) | ≤ 12× | $(verdict "$r2" 12) |"
echo "| render / floor peak RSS, 1,000 namespaces | $r3× | ≤ 1× | $(verdict "$r3" 1) |"
echo "| 10-object app, wall clock incl. process start (median of 21) | $small_ms ms | < 20 ms | $(verdict "$small_ms" 19.999) |"
echo
echo "raw (seconds per run): floor ${floor1000}s (CPU ${floor1000_cpu}s) ${floor1000_rss}KB; render ${render1000}s (CPU ${render1000_cpu}s) ${render1000_rss}KB;"
echo "     floor100 ${floor100}s (CPU ${floor100_cpu}s); render100 ${render100}s (CPU ${render100_cpu}s)"

if $CALLGRIND; then
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 > /dev/null |
      awk '/Collected/ {print $NF}'
  }
  f100=$(count "$TOOL" floor "$DIR/ns100")
  r100=$(count "$BIN" render "${GLOBAL[@]}" "$DIR/ns100")
  r1000=$(count "$BIN" render "${GLOBAL[@]}" "$DIR/ns1000")
  echo
  echo "instructions (callgrind): floor 100 ns $f100; render 100 ns $r100; render 1,000 ns $r1000"
  echo "| render / floor, 100 namespaces, instructions | $(ratio "$r100" "$f100")× | ≤ 1.5× | $(verdict "$(ratio "$r100" "$f100")" 1.5) |"
  echo "| render 1,000 / render 100 namespaces, instructions | $(ratio "$r1000" "$r100")× | ≤ 12× | $(verdict "$(ratio "$r1000" "$r100")" 12) |"
fi
