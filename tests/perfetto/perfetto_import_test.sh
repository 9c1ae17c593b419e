#!/usr/bin/env bash
# ctest perfetto_import_<case>: runs a model with --trace (or takes a committed trace),
# converts the trace with `npusim trace perfetto`, and checks that Perfetto's trace processor
# imports the JSON cleanly (perfetto_import.mjs). Exit 77, which ctest reports as skipped, when
# tools/perfetto_assets has not fetched the trace processor.
# Usage: perfetto_import_test.sh NODE NPUSIM SCRATCH_DIR MODEL.onnx [CONFIG]
#        perfetto_import_test.sh NODE NPUSIM SCRATCH_DIR TRACE.npt.zst
# (MODEL, CONFIG and TRACE relative to the repository root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
node=$1 npusim=$2 scratch=$3 input=$4 config=${5:-}

if ! "$node" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "SKIP: node $("$node" --version) is older than 20, which the trace processor's glue needs"
  exit 77
fi
if ! assets=$("$root/tools/perfetto_assets" --check); then
  echo "SKIP: Perfetto's trace processor is not fetched; run tools/perfetto_assets"
  exit 77
fi

rm -rf "$scratch"
mkdir -p "$scratch"
case $input in
  *.npt.zst) trace=$root/$input ;;
  *)
    trace=$scratch/trace.npt.zst
    "$npusim" run "$root/$input" ${config:+--config "$root/$config"} --trace "$trace" >/dev/null
    ;;
esac
"$npusim" trace perfetto "$trace" -o "$scratch/trace.json"
exec "$node" "$here/perfetto_import.mjs" "$assets" "$scratch/trace.json"
