#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests, if they are missing.
# Test tools' own browser downloads do not work on our build machines; the distribution's do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need Chromium and ChromeDriver. Install them with your package manager" >&2
  echo "(Debian/Ubuntu: chromium chromium-driver) and run the command again." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Run as root or install sudo: apt-get install chromium chromium-driver" >&2; exit 1; }
  SUDO="sudo"
fi
echo "Installing Chromium and ChromeDriver (Debian packages) for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
