#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine: Java, Debian's ZooKeeper
# 3.8 package, Python's prometheus_client and Spin (only when missing), a ZooKeeper-mode Kafka broker from Maven Central
# (scripts/fetch-kafka.sh) and ZooKeeper 3.4.14, 3.5.10 and 3.9.4 servers (scripts/fetch-zookeeper.sh), then the npm dependencies (plain JavaScript: nothing is compiled on
# install; our ZooKeeper client is TypeScript in src/zookeeper/client/) and builds dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
[ -f /usr/share/java/zookeeper.jar ] || [ -n "${ZOOKEEPER_HOME:-}" ] || [ -n "${ZK_CONNECT:-}" ] || need_apt+=(zookeeper)
# The Prometheus project's OpenMetrics parser: the health test checks /metrics with it, not with ours.
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need_apt+=(python3-prometheus-client)
# Spin model-checks the protocol models (npm run model-check); it compiles each model with gcc.
command -v spin >/dev/null 2>&1 || need_apt+=(spin)
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The Debian package may start a system ZooKeeper service; the tests never use it (they start
# their own on free ports), so it is left alone.
bash scripts/fetch-kafka.sh
# The oldest and the newest ZooKeeper line, for the conformance suite in CI (npm run compat fetches the
# rest), and 3.5.10, the last line without persistent watches, for the watch-downgrade test in npm test.
bash scripts/fetch-zookeeper.sh 3.4.14 3.5.10 3.9.4

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build --silent
# The testing kit's own cache (outside the project, ~/.cache/kafka-zk-registrar): what examples/ use,
# as an application's tests would. Maven copies from ~/.m2 what fetch-kafka.sh just downloaded.
node dist/cli/main.js fetch-kafka >/dev/null
