#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan and runs the addon's tests against it.
# Usage: bash native/test/asan.sh [vitest args]   (from packages/datapath; default: src/native)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=native/test/build/asan
mkdir -p "$out"
gcc -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fPIC -shared \
  -D_GNU_SOURCE -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=membrane_native -I/usr/include/node \
  native/src/*.c -o "$out/membrane_native.node" -lbpf -lelf -lz -lpthread
libdir=$(dirname "$(gcc -print-file-name=libasan.so)")
# replace_str=0: child tools (ip, tc) inherit the preload and trip ASan's string checks.
LD_PRELOAD="$libdir/libasan.so:$libdir/libubsan.so" \
  ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:replace_str=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  MEMBRANE_NATIVE_PATH="$PWD/$out/membrane_native.node" \
  ../../node_modules/.bin/vitest run "${@:-src/native}"
