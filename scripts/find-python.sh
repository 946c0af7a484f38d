#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter for the project's virtual environment.
# Rasa 3.6.21 requires Python >=3.8,<3.11; we standardise on 3.10.
# Looks on PATH first, then under pyenv. Exits 1 with a clear message when none is found.
set -u
for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.10 2>/dev/null | head -n1)/bin/python3.10"; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
      command -v "$candidate"
      exit 0
    fi
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for prefix in $(pyenv root)/versions/3.10*; do
    if [ -x "$prefix/bin/python3.10" ]; then
      echo "$prefix/bin/python3.10"
      exit 0
    fi
  done
fi
cat >&2 <<'MSG'
Balie needs Python 3.10 (Rasa 3.6.21 does not run on 3.11 or newer).
Install it, for example with `pyenv install 3.10.13` or your system's python3.10 package
(Debian/Ubuntu: apt-get install python3.10 python3.10-venv), then run the command again.
MSG
exit 1
