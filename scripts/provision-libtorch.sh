#!/usr/bin/env bash
# Provisions libtorch 2.13.0 (CPU) for clr-tch from PyPI wheels, idempotently,
# into .cache/libtorch (git-ignored), and prints the environment tch needs.
#
#   eval "$(bash scripts/provision-libtorch.sh)"
#
# libtorch comes from the `torch==2.13.0` wheel (its torch/lib, include and
# share); only the CPU libraries are kept, so tch's build script links the CPU
# build. Those still load libcudart.so.13 and libcupti.so.13 at run time,
# which come from the `nvidia-cuda-runtime` and `nvidia-cuda-cupti` wheels
# torch 2.13.0 pins and are put beside them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
dest="$cache/libtorch"
stamp="$dest/.provisioned-2.13.0"

if [ ! -f "$stamp" ]; then
  wheels="$cache/wheels"
  mkdir -p "$wheels"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" \
    torch==2.13.0 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85 >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 - "$wheels" "$tmp" <<'PY'
import glob, os, sys, zipfile
wheels, out = sys.argv[1], sys.argv[2]
cpu_libs = {"libc10.so", "libtorch.so", "libtorch_cpu.so", "libgomp.so.1", "libshm.so",
            "libtorch_global_deps.so"}
def keep_torch(name):
    if name.startswith(("torch/include/", "torch/share/")):
        return True
    return name.startswith("torch/lib/") and os.path.basename(name) in cpu_libs
for whl in glob.glob(os.path.join(wheels, "*.whl")):
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            n = info.filename
            if info.is_dir():
                continue
            base = os.path.basename(n)
            if os.path.basename(whl).startswith("torch-"):
                if not keep_torch(n):
                    continue
                target = os.path.join(out, n)
            elif base in ("libcudart.so.13", "libcupti.so.13"):
                target = os.path.join(out, "torch", "lib", base)
            else:
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                dst.write(src.read())
PY
  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$tmp/torch" "$dest/torch"
  touch "$stamp"
fi

lib="$dest/torch/lib"
echo "export LIBTORCH='$dest/torch'"
echo "export LD_LIBRARY_PATH='$lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
