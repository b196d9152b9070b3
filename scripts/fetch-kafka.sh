#!/usr/bin/env bash
# Fetches a ZooKeeper-mode Apache Kafka broker (kafka_2.13 + its runtime dependencies + a log4j
# binding, as listed in scripts/maven/kafka/pom.xml) from Maven Central into .cache/kafka-<version>/libs, outside
# git. Idempotent: a complete cache (marked by .complete) is left as it is. Installs Debian's maven
# (and a JDK) first when `mvn` is missing. Prints where the jars are and what was fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/maven/kafka/pom.xml)
dest=".cache/kafka-${version}/libs"
if [ -f "${dest}/.complete" ]; then
  echo "fetch-kafka: Kafka ${version} already in ${dest} ($(ls "${dest}" | grep -c '\.jar$') jars)"
  exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
  echo "fetch-kafka: installing maven with apt-get"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends maven >/dev/null
fi

rm -rf "${dest}"
mkdir -p "${dest}"
mvn -B -q -Dstyle.color=never -f scripts/maven/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$(pwd)/${dest}"
touch "${dest}/.complete"
echo "fetch-kafka: Kafka ${version} (ZooKeeper mode) in ${dest}: $(ls "${dest}" | grep -c '\.jar$') jars"
ls "${dest}" | grep -E '^(kafka_2\.13|kafka-clients|zookeeper|reload4j|slf4j-reload4j)-' | sed 's/^/  /'
