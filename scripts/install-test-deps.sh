#!/usr/bin/env bash
# Installs what replab's test suites need on Debian 12: every Debian package of
# scripts/test-deps.txt whose file is missing (one apt-get update, then one apt-get install), and
# the npm packages when node_modules is missing. Idempotent: on a set-up machine it installs
# nothing and runs no apt-get. apt-get runs as root, through sudo when the caller is not root.
# README.md's second command and .ci/run both call it.
set -euo pipefail
cd "$(dirname "$0")/.."

# present FILE: an absolute path that exists, or a command found in PATH (sbin included, where
# useradd and mount live even when the caller's PATH lacks it).
present() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    *) PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ;;
  esac
}

need=()
while read -r name file package _; do
  case "$name" in '' | '#'*) continue ;; esac
  if ! present "$file"; then
    case " ${need[*]-} " in *" $package "*) ;; *) need+=("$package") ;; esac
  fi
done <scripts/test-deps.txt

if [ ${#need[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
      echo "install-test-deps: need root or sudo to install: ${need[*]}" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  echo "install-test-deps: installing ${need[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "install-test-deps: every Debian package the tests need is installed"
fi

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The optional real-kernel lab's VM image (test/realkernel): built where ../shared/netdevsim-lab
# (or $REPLAB_NETDEVSIM_LAB) exists, a no-op that says so where it does not.
scripts/realkernel-lab.sh
