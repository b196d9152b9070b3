#!/usr/bin/env bash
# Model-checks the protocol models in model/ with Spin: the library's variant must hold every
# property (an exhaustive search, not truncated), and each deliberately broken variant must yield a
# counterexample -- which is how we know the model can fail at all. Installs nothing: without spin
# or a C compiler it says how to get them and exits 2. Work files go to a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
models="$PWD/model"

for tool in spin gcc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "model-check: '$tool' is not installed. On Debian: apt-get install -y spin gcc (scripts/setup.sh does)" >&2
    exit 2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$models"/*.pml "$work"/
cd "$work"
failures=0

# check <model> <expect: holds|fails> <description> <spin -D flags...> -- <pan flags...>
check() {
  local model=$1 expect=$2 what=$3
  shift 3
  local defs=() pan=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do defs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  pan=("$@")
  rm -f pan pan.* ./*.trail
  spin -a "${defs[@]}" "$model" >spin.out 2>&1 || { cat spin.out; echo "model-check: spin could not compile $model" >&2; exit 1; }
  gcc -O2 -w -DNFAIR=4 -o pan pan.c
  local out errors
  out=$(./pan -m200000 "${pan[@]}" 2>&1) || true
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | tail -1)
  local states
  states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' <<<"$out" | tail -1)
  if [ -z "$errors" ]; then
    echo "$out"
    echo "FAIL  $what: pan did not report a result" >&2
    failures=$((failures + 1))
  elif [ "$expect" = holds ]; then
    if [ "$errors" != 0 ] || grep -q "max search depth too small" <<<"$out"; then
      echo "$out" | tail -20
      [ -f "$model.trail" ] && spin -t "${defs[@]}" "$model" | sed -n '1,/trail ends/p'
      echo "FAIL  $what: expected to hold, $errors error(s)" >&2
      failures=$((failures + 1))
    else
      echo "ok    $what: holds ($states states, exhaustive)"
    fi
  else
    if [ "$errors" = 0 ]; then
      echo "FAIL  $what: expected a counterexample, none found ($states states): the model cannot tell this variant from ours" >&2
      failures=$((failures + 1))
    elif ! grep -q "assertion violated" <<<"$out"; then
      echo "$out" | tail -20
      echo "FAIL  $what: an error, but not a property violation (a deadlock in the model?)" >&2
      failures=$((failures + 1))
    else
      echo "ok    $what: counterexample found, as it must be ($(grep -o "assertion violated.*(at" <<<"$out" | head -1 | sed "s/ (at$//"))"
      if [ "${SHOW_TRACE:-}" = "$model:${defs[*]}" ] || [ "${SHOW_TRACE:-}" = all ]; then
        ./pan -m200000 -i "${pan[@]}" >/dev/null 2>&1 || true
        spin -t "${defs[@]}" "$model" | sed -n '1,/trail ends/p' | { grep -v '^spin' || true; } | sed 's/^ */        /'
      fi
    fi
  fi
}

check registration.pml holds "registration (ours): p1_owned, p3_foreign, no deadlock" -DVARIANT=0
check registration.pml holds "registration (ours): p2_live under weak fairness" -DVARIANT=0 -DLIVE -- -a -f
check registration.pml fails "registration (naive: NodeExists = registered)" -DVARIANT=1
SHOW_TRACE=${SHOW_TRACE:-registration.pml:-DVARIANT=1 -DNO_MEDDLER} \
  check registration.pml fails "registration (naive), the report's race alone (no meddler)" -DVARIANT=1 -DNO_MEDDLER
check registration.pml fails "registration (adopt: Curator takes any node over)" -DVARIANT=2
check registration.pml fails "registration (ours before the model: ownership announced despite the watch)" -DVARIANT=3
check controller.pml holds "controller (ours): c1_epochs, c2_one, c3_fenced, c4_atomic, no deadlock" -DVARIANT=0
check controller.pml fails "controller (fenced write as check, then write)" -DVARIANT=1
check controller.pml fails "controller (election as create, then epoch bump: before multi)" -DVARIANT=2

if [ "$failures" -gt 0 ]; then
  echo "model-check: $failures check(s) failed" >&2
  exit 1
fi
echo "model-check: all checks passed"
