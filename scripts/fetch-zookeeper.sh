#!/usr/bin/env bash
# Fetches ZooKeeper servers of the given lines (default: every line the conformance suite runs)
# from Maven Central into .cache/zookeeper-<version>/lib, outside git: org.apache.zookeeper:zookeeper,
# its runtime dependencies and what scripts/maven/zookeeper/pom.xml adds. Idempotent: a complete cache (marked by
# .complete) is left as it is. Installs Debian's maven (and a JDK) first when `mvn` is missing.
# Prints where the jars are and what was fetched.
#   scripts/fetch-zookeeper.sh                 # all of them
#   scripts/fetch-zookeeper.sh 3.4.14 3.9.4    # what CI runs
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with integration/harness/zk-versions.ts (COMPAT_VERSIONS). 3.8 is Debian's package.
ALL_VERSIONS=(3.4.14 3.5.10 3.6.4 3.7.2 3.9.4)
if [ $# -gt 0 ]; then versions=("$@"); else versions=("${ALL_VERSIONS[@]}"); fi

ensure_mvn() {
  command -v mvn >/dev/null 2>&1 && return
  echo "fetch-zookeeper: installing maven with apt-get"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends maven >/dev/null
}

for version in "${versions[@]}"; do
  if ! [[ "${version}" =~ ^3\.[0-9]+\.[0-9]+$ ]]; then
    echo "fetch-zookeeper: '${version}' is not a ZooKeeper 3.x.y version" >&2
    exit 2
  fi
  dest=".cache/zookeeper-${version}/lib"
  if [ -f "${dest}/.complete" ]; then
    echo "fetch-zookeeper: ZooKeeper ${version} already in ${dest} ($(ls "${dest}" | grep -c '\.jar$') jars)"
    continue
  fi
  ensure_mvn
  minor=$(echo "${version}" | cut -d. -f2)
  # The versions each line's own parent POM uses: slf4j's binding must match the API's line
  # (a 1.7 binding is ignored by the 2.0 API of 3.9+), metrics-core 3.x is what 3.6 was built on.
  slf4j=1.7.36; dropwizard=4.1.12.1; snappy=1.1.10.5
  [ "${minor}" -ge 9 ] && slf4j=2.0.13
  [ "${minor}" -eq 6 ] && { dropwizard=3.2.5; snappy=1.1.8.4; }
  rm -rf "${dest}"
  mkdir -p "${dest}"
  mvn -B -q -Dstyle.color=never -f scripts/maven/zookeeper/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
    -Dzookeeper.version="${version}" -Dslf4j.version="${slf4j}" -Ddropwizard.version="${dropwizard}" -Dsnappy.version="${snappy}" \
    -DoutputDirectory="$(pwd)/${dest}"
  touch "${dest}/.complete"
  echo "fetch-zookeeper: ZooKeeper ${version} in ${dest}: $(ls "${dest}" | grep -c '\.jar$') jars"
  ls "${dest}" | grep -E '^(zookeeper|zookeeper-jute|metrics-core|snappy-java|slf4j-[a-z]+)-[0-9]' | sed 's/^/  /'
done
