#!/usr/bin/env bash
# Builds the optional real-kernel lab (a QEMU VM image: Debian's stock kernel, the upstream
# netdevsim driver, an emulated NVMe SR-IOV PF) that `npm run test:realkernel` boots. The lab's
# tools live outside this repository, in ../shared/netdevsim-lab (or $REPLAB_NETDEVSIM_LAB); its
# build.sh installs its own Debian packages (qemu-system-x86, busybox-static, gcc, …) and needs
# root. Without the lab this prints why and exits 0: the real-kernel suite then reports itself
# skipped with the same reason.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lab=${REPLAB_NETDEVSIM_LAB:-$here/../shared/netdevsim-lab}
if [ ! -x "$lab/build.sh" ]; then
  echo "realkernel: no netdevsim lab at $lab; the real-kernel suite will report itself skipped"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "realkernel: $lab/build.sh needs root (apt-get, depmod) or sudo" >&2
    exit 1
  }
  sudo=(sudo)
fi
start=$(date +%s)
"${sudo[@]}" "$lab/build.sh"
echo "realkernel: lab image built in $(($(date +%s) - start)) s"
