#!/usr/bin/env bash
# Makes sure the Debian packages the end-to-end test needs are installed.
#   chromium                                  the browser Playwright drives
#   ripgrep                                   replaces the binary code-server would download
#   build-essential pkg-config libkrb5-dev    code-server's native modules (node-pty, kerberos, ...)
# Installs what is missing when running as root with apt-get; otherwise names exactly what is
# missing and how to install it, and fails.
set -euo pipefail

packages=(chromium ripgrep build-essential pkg-config libkrb5-dev)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for package in "${packages[@]}"; do
    is_installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    echo "error: the end-to-end test needs these Debian packages: ${packages[*]}" >&2
    echo "       this system has no dpkg/apt-get; install the equivalents and put chromium at /usr/bin/chromium" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "       install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

still_missing=()
for package in "${missing[@]}"; do
    is_installed "$package" || still_missing+=("$package")
done
if [ ${#still_missing[@]} -ne 0 ]; then
    echo "error: apt-get could not install: ${still_missing[*]}" >&2
    exit 1
fi
