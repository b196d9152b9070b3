#!/usr/bin/env bash
# Fetches Curator (bench/anchors/pom.xml) into .cache/anchors/libs and compiles bench/anchors/*.java
# against it and the Kafka jars (scripts/fetch-kafka.sh), for `npm run bench`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-kafka.sh >/dev/null
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/maven/kafka/pom.xml)
kafka=".cache/kafka-${version}/libs"
curator=".cache/anchors/libs"
classes=".cache/anchors/classes"
if [ ! -f "${curator}/.complete" ]; then
  rm -rf "${curator}"
  mkdir -p "${curator}"
  mvn -B -q -Dstyle.color=never -f bench/anchors/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$(pwd)/${curator}"
  touch "${curator}/.complete"
fi
rm -rf "${classes}/kafka" "${classes}/curator"
mkdir -p "${classes}/kafka" "${classes}/curator"
javac -nowarn -d "${classes}/kafka" -cp "${kafka}/*" bench/anchors/KafkaAnchor.java bench/anchors/AnchorIo.java
javac -nowarn -d "${classes}/curator" -cp "${curator}/*" bench/anchors/CuratorAnchor.java bench/anchors/AnchorIo.java
echo "fetch-anchors: Kafka ${version}'s KafkaZkClient and Curator $(ls ${curator} | sed -n 's/^curator-recipes-\(.*\)\.jar$/\1/p') ready in ${classes}"
