#!/usr/bin/env bash
# Rebuilds the addon without the installed .node ever going missing: node-gyp builds a temporary
# copy of the sources, then the result is renamed into build/Release (atomic). `node-gyp rebuild`
# in place would delete build/ first and break test runs that load the addon meanwhile.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d /tmp/membrane-native-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r binding.gyp src "$tmp/"
npx --no-install node-gyp rebuild --nodedir=/usr --directory "$tmp" --silent
mkdir -p build/Release
cp "$tmp/build/Release/membrane_native.node" build/Release/.membrane_native.node.new
mv -f build/Release/.membrane_native.node.new build/Release/membrane_native.node
echo "built $(pwd)/build/Release/membrane_native.node"
