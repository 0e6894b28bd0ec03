#!/usr/bin/env bash
# Benchmark of issue #7: render vs the YAML floor, side by side in one run.
#
#   scripts/bench.sh [RUNS] [--callgrind]
#
# RUNS (default 5): runs per measurement on the large repository (three times as many on the
# small one, whose runs are short); floor and render alternate so that both see the same
# machine load, and the fastest run of each is kept.
# --callgrind: also count instructions with valgrind (repeatable where wall clock is not;
# about five more minutes).
#
# Builds the release binary and the bench_tool example, generates the monorepo of
# src/bench_repo.rs at 100 and 1,000 namespaces under $BENCH_DIR (default /tmp/bcp-bench),
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

# One timed run: prints "wall-seconds cpu-seconds peak-RSS-KB".
run_once() {
  # Output to /dev/null: the figures are about computing it, not about this disk.
  /usr/bin/time -f "%e %U %S %M" -o "$DIR/time.txt" "$@" > /dev/null 2> /dev/null
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$DIR/time.txt"
}

# Floor and render alternate RUNS times; prints, for each, the fastest wall clock with that
# run's peak RSS, and the least CPU time: "fwall frss fcpu rwall rrss rcpu".
measure_pair() {
  local dir=$1 runs=$2 fw="" fr="" fc="" rw="" rr="" rc="" w c m
  less() { [ -z "$2" ] || awk "BEGIN{exit !($1 < $2)}"; }
  for _ in $(seq "$runs"); do
    read -r w c m < <(run_once "$TOOL" floor "$dir")
    if less "$w" "$fw"; then fw=$w; fr=$m; fi
    if less "$c" "$fc"; then fc=$c; fi
    read -r w c m < <(run_once "$BIN" render "${GLOBAL[@]}" "$dir")
    if less "$w" "$rw"; then rw=$w; rr=$m; fi
    if less "$c" "$rc"; then rc=$c; fi
  done
  echo "$fw $fr $fc $rw $rr $rc"
}

read -r floor1000 floor1000_rss floor1000_cpu render1000 render1000_rss render1000_cpu \
  < <(measure_pair "$DIR/ns1000" "$RUNS")
read -r floor100 _ floor100_cpu render100 _ render100_cpu < <(measure_pair "$DIR/ns100" $((RUNS * 3)))

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
echo "large repo: $size bytes; fastest of $RUNS alternating runs each ($((RUNS * 3)) at 100 namespaces); $(nproc) cores"
echo
echo "| figure | measured | target | holds |"
echo "|---|---|---|---|"
echo "| render / floor, 1,000 namespaces, wall clock | $r1× (CPU time: $r1c×) | ≤ 1.5× | $(verdict "$r1" 1.5) |"
echo "| render 1,000 / render 100 namespaces, wall clock | $r2× (CPU time: $r2c×; floor: $r2f×) | ≤ 12× | $(verdict "$r2" 12) |"
echo "| render / floor peak RSS, 1,000 namespaces | $r3× | ≤ 1× | $(verdict "$r3" 1) |"
echo "| 10-object app, wall clock incl. process start (median of 21) | $small_ms ms | < 20 ms | $(verdict "$small_ms" 19.999) |"
echo
echo "raw: floor ${floor1000}s (CPU ${floor1000_cpu}s) ${floor1000_rss}KB; render ${render1000}s (CPU ${render1000_cpu}s) ${render1000_rss}KB;"
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
