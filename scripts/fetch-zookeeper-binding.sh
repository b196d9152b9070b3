#!/usr/bin/env bash
# Installs the `zookeeper` native binding (the client this library ran on until it had its own) into
# .cache/zookeeper-binding, for `npm run bench` to measure it beside our client. Never a dependency of
# the project: it compiles with node-gyp (g++, make, python3) against this Node's own headers.
# Idempotent; exits non-zero, saying why, when the install fails (the bench then marks its rows "not
# measured").
set -euo pipefail
cd "$(dirname "$0")/.."
version="${KZR_BINDING_VERSION:-7.3.0}"
dir=".cache/zookeeper-binding"
if [ -f "${dir}/.complete-${version}" ] && [ -d "${dir}/node_modules/zookeeper" ]; then
  echo "fetch-zookeeper-binding: zookeeper@${version} ready in ${dir}"
  exit 0
fi
rm -rf "${dir}"
mkdir -p "${dir}"
# A package.json of its own, so that npm installs here and not into the project, and approves the
# binding's install script (npm's allowScripts).
cat > "${dir}/package.json" <<JSON
{ "name": "kzr-bench-zookeeper-binding", "private": true, "allowScripts": { "zookeeper": true } }
JSON
# node-gyp would otherwise download Node's headers; the installed Node ships them.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -f "${node_prefix}/include/node/node.h" ]; then export npm_config_nodedir="${node_prefix}"; fi
npm install --prefix "${dir}" "zookeeper@${version}" --no-save --no-audit --no-fund --no-package-lock --foreground-scripts >"${dir}/install.log" 2>&1 || {
  echo "fetch-zookeeper-binding: npm install zookeeper@${version} failed (tail of ${dir}/install.log):" >&2
  tail -n 20 "${dir}/install.log" >&2
  exit 1
}
node -e "require(require.resolve('zookeeper', { paths: ['${dir}'] }))" || {
  echo "fetch-zookeeper-binding: zookeeper@${version} installed but does not load" >&2
  exit 1
}
touch "${dir}/.complete-${version}"
echo "fetch-zookeeper-binding: zookeeper@${version} ready in ${dir}"
