#!/usr/bin/env bash
# Benchmark of issue #7: render vs the YAML floor, side by side in one run.
#
#   scripts/bench.sh [RUNS]      (default 5 runs per measurement, floor and render
#                                 alternating; the fastest run of each is kept)
#
# Builds the release binary and the bench_tool example, generates the monorepo of
# src/bench_repo.rs at 100 and 1,000 namespaces under $BENCH_DIR (default /tmp/bcp-bench),
# then measures:
#   floor   bench_tool floor DIR: parse every document with bcp_render::yaml::parse_stream and
#           re-emit them all with bcp_render::yaml::emit_yaml_stream (no other work);
#   render  bcp-render render --global-policy-namespace kgateway-system DIR (default output);
#   small   bcp-render render on a 10-object app (ns-0000/services.yaml), process start included.
# Wall clock and peak RSS come from /usr/bin/time. Prints a markdown table of ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
DIR=${BENCH_DIR:-/tmp/bcp-bench}
cargo build --release --quiet --bin bcp-render --example bench_tool
BIN=target/release/bcp-render
TOOL=target/release/examples/bench_tool
for n in 100 1000; do
  rm -rf "$DIR/ns$n"
  "$TOOL" generate "$n" "$DIR/ns$n"
done
GLOBAL=(--global-policy-namespace kgateway-system)

# One timed run: prints "seconds peak-RSS-KB".
run_once() {
  /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" > "$DIR/out.txt" 2> "$DIR/err.txt"
  cat "$DIR/time.txt"
}

# Floor and render alternate, RUNS times each, so that both see the same machine load; the
# fastest run of each is kept (with its peak RSS). Prints "floor rss render rss".
measure_pair() {
  local dir=$1 fbest="" frss="" rbest="" rrss="" t m
  for _ in $(seq "$RUNS"); do
    read -r t m < <(run_once "$TOOL" floor "$dir")
    if [ -z "$fbest" ] || awk "BEGIN{exit !($t < $fbest)}"; then fbest=$t; frss=$m; fi
    read -r t m < <(run_once "$BIN" render "${GLOBAL[@]}" "$dir")
    if [ -z "$rbest" ] || awk "BEGIN{exit !($t < $rbest)}"; then rbest=$t; rrss=$m; fi
  done
  echo "$fbest $frss $rbest $rrss"
}

read -r floor1000 floor1000_rss render1000 render1000_rss < <(measure_pair "$DIR/ns1000")
read -r floor100 _ render100 _ < <(measure_pair "$DIR/ns100")

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
r2=$(ratio "$render1000" "$render100")
r2f=$(ratio "$floor1000" "$floor100")
r3=$(ratio "$render1000_rss" "$floor1000_rss")
echo
echo "large repo: $size bytes; fastest of $RUNS alternating runs each; $(nproc) cores"
echo
echo "| figure | measured | target | holds |"
echo "|---|---|---|---|"
echo "| render / floor, 1,000 namespaces (wall clock) | $r1× | ≤ 1.5× | $(verdict "$r1" 1.5) |"
echo "| render 1,000 / render 100 namespaces | $r2× (floor: $r2f×) | ≤ 12× | $(verdict "$r2" 12) |"
echo "| render / floor peak RSS, 1,000 namespaces | $r3× | ≤ 1× | $(verdict "$r3" 1) |"
echo "| 10-object app, wall clock incl. process start (median of 21) | $small_ms ms | < 20 ms | $(verdict "$small_ms" 19.999) |"
echo
echo "raw: floor ${floor1000}s ${floor1000_rss}KB; render ${render1000}s ${render1000_rss}KB; floor100 ${floor100}s; render100 ${render100}s"
