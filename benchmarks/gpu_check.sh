#!/usr/bin/env bash
# The GPU check, one script: on a CUDA machine, an SRL step, a PPO step and an RLVR turn in bf16 on
# a random-init model of Qwen2.5-Coder-0.5B's shape with LoRA (generation and update tokens/s, peak
# memory), beside the same SRL step under TRL's GRPOTrainer. Within 8 minutes (a timeout enforces it).
#
#   benchmarks/gpu_check.sh --prepare [--python-version 3.11]   # here, online: wheels -> benchmarks/gpu_wheels/
#   benchmarks/gpu_check.sh                                     # on the GPU machine (no registry needed)
#   benchmarks/gpu_check.sh --smoke                             # anywhere: CPU, tiny model, a few tokens
#
# The GPU machine is assumed to have torch (with CUDA), numpy and pyarrow; everything else comes from
# the wheels folder (<= 64 MiB; benchmarks/gpu_wheels.py says what and why), installed into a
# temporary directory put first on PYTHONPATH, never into the machine's own environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python=${PYTHON:-python3}
wheels=${GPU_CHECK_WHEELS:-$here/gpu_wheels}
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"

case "${1:-}" in
  --prepare) shift; exec "$python" "$here/gpu_check.py" --prepare "$wheels" "$@" ;;
  --smoke) exec timeout 480 "$python" "$here/gpu_check.py" "$@" ;;
esac

if ! compgen -G "$wheels/*.whl" > /dev/null; then
  echo "No wheels in $wheels: run 'benchmarks/gpu_check.sh --prepare' on a machine with a registry first." >&2
  exit 2
fi
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
"$python" -m pip install --quiet --no-index --no-deps --target "$site" "$wheels"/*.whl
PYTHONPATH="$site:$PYTHONPATH" timeout 480 "$python" "$here/gpu_check.py" "$@"
