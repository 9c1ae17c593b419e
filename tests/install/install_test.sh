#!/usr/bin/env bash
# The install tests (docs/library.md), run by ctest from tests/CMakeLists.txt:
#   install_test.sh install   BUILD WORK   cmake --install BUILD --prefix WORK/prefix
#   install_test.sh pkgconfig BUILD WORK   a C program outside the tree built through pkg-config
#                                          (shared and static), its output against the CLI's
#   install_test.sh cmake     BUILD WORK   the same program built through find_package(npusim)
#   install_test.sh systemc   BUILD WORK   a SystemC program built through npusim-systemc.pc and
#                                          the installed npusim-systemc-example, both on the
#                                          example platform, against the standalone replay
# CFLAGS_EXTRA (environment) is added to every compile and link (the sanitizer flags of an
# instrumented build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=$1 build=$2 work=$3
prefix=$work/prefix
model=$root/models/micro/conv3x3.npg
read -r -a extra <<<"${CFLAGS_EXTRA:-}"

# The program's JSON must be the installed CLI's, byte for byte.
same_as_cli() {
  "$prefix/bin/npusim" run "$model" --json >"$work/cli.json"
  for program in "$@"; do
    "$program" "$model" >"$work/program.json"
    cmp "$work/cli.json" "$work/program.json" || { echo "$program: output differs from npusim run --json" >&2; exit 1; }
  done
}

case $mode in
  install)
    rm -rf "$prefix"
    cmake --install "$build" --prefix "$prefix" >/dev/null
    for f in bin/npusim include/npusim.h lib/libnpusim.a lib/pkgconfig/npusim.pc lib/cmake/npusim/npusimConfig.cmake \
             lib/cmake/npusim/npusimConfigVersion.cmake share/npusim/configs/phone-npu.yaml; do
      [[ -e $prefix/$f ]] || { echo "not installed: $f" >&2; exit 1; }
    done
    soname=$(readelf -d "$prefix/lib/libnpusim.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [[ $soname == libnpusim.so.* && -e $prefix/lib/$soname ]] || { echo "libnpusim.so has no soname" >&2; exit 1; }
    ;;
  pkgconfig)
    export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
    read -r -a cflags <<<"$(pkg-config --cflags npusim)"
    read -r -a libs <<<"$(pkg-config --libs npusim)"
    read -r -a static_libs <<<"$(pkg-config --static --libs npusim | sed 's/-lnpusim\b/-l:libnpusim.a/')"
    cc -std=c11 -Wall -Wextra -Werror "${extra[@]}" "${cflags[@]}" "$here/consumer.c" "${libs[@]}" \
      -Wl,-rpath,"$prefix/lib" -o "$work/consumer_pc_shared"
    cc -std=c11 -Wall -Wextra -Werror "${extra[@]}" "${cflags[@]}" "$here/consumer.c" "${static_libs[@]}" \
      -o "$work/consumer_pc_static"
    if readelf -d "$work/consumer_pc_static" | grep -q 'libnpusim'; then
      echo "the static build links libnpusim.so" >&2; exit 1
    fi
    same_as_cli "$work/consumer_pc_shared" "$work/consumer_pc_static"
    ;;
  cmake)
    rm -rf "$work/cmake-build"
    cmake -S "$here" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_FLAGS="${extra[*]}" -DCMAKE_EXE_LINKER_FLAGS="${extra[*]}" >/dev/null
    cmake --build "$work/cmake-build" >/dev/null
    same_as_cli "$work/cmake-build/consumer_shared" "$work/cmake-build/consumer_static"
    ;;
  systemc)
    export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
    read -r -a flags <<<"$(pkg-config --cflags --libs npusim-systemc)"
    c++ -std=c++17 -Wall "${extra[@]}" "$here/systemc_consumer.cc" "${flags[@]}" -Wl,-rpath,"$prefix/lib" \
      -o "$work/systemc_consumer"
    # configs/rtl-small.yaml: one DRAM channel, no row model, so the platform's memory matches.
    config=$prefix/share/npusim/configs/rtl-small.yaml
    cycles=$("$work/systemc_consumer" "$root/models/ds_cnn_kws.onnx" "$config")
    read -r platform replay <<<"$cycles"
    [[ $platform -gt 0 && $platform == "$replay" ]] || { echo "platform $platform cycles, replay $replay" >&2; exit 1; }
    "$prefix/bin/npusim-systemc-example" "$root/models/ds_cnn_kws.onnx" --config "$config" | grep -q "inference  *$platform cycles"
    ;;
  *) echo "install_test.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
