#!/usr/bin/env bash
# The conformance suite against real ZooKeeper servers of every line users run (npm run compat):
# integration/compat.test.ts and the owner check's decision table (integration/owner-check.test.ts),
# once per line, one server at a time: 3.4.14, 3.5.10, 3.6.4, 3.7.2, Debian's 3.8 and 3.9.4.
# Fetches the lines not yet in .cache/ (scripts/fetch-zookeeper.sh) and builds first.
#   scripts/compat.sh                  # every line
#   scripts/compat.sh 3.4.14 3.9.4     # some (what CI runs); 'debian' is Debian's 3.8 package
# Prints each line's result and duration; exits 1 if any line failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with integration/harness/zk-versions.ts (COMPAT_VERSIONS).
ALL_VERSIONS=(3.4.14 3.5.10 3.6.4 3.7.2 debian 3.9.4)
if [ $# -gt 0 ]; then versions=("$@"); else versions=("${ALL_VERSIONS[@]}"); fi

fetch=()
for v in "${versions[@]}"; do [ "${v}" = debian ] || fetch+=("${v}"); done
[ ${#fetch[@]} -eq 0 ] || bash scripts/fetch-zookeeper.sh "${fetch[@]}"
npm run --silent build:all

summary=()
failed=0
for v in "${versions[@]}"; do
  echo "=== compat: ZooKeeper ${v} ==="
  start=$(date +%s%N)
  if KZR_ZK_VERSION="${v}" node --test --test-concurrency=1 --test-timeout=120000 build/integration/compat.test.js build/integration/owner-check.test.js; then
    result=green
  else
    result=FAILED
    failed=1
  fi
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  summary+=("$(printf '  %-8s %-6s %3d.%d s' "${v}" "${result}" $((ms / 1000)) $((ms % 1000 / 100)))")
done
echo "=== compat summary ==="
printf '%s\n' "${summary[@]}"
exit ${failed}
