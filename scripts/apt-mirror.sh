#!/usr/bin/env bash
# Prints the Debian archive this machine's apt is configured with (the
# first deb822 "URIs:" or one-line "deb" source that is not a -security
# archive), so scripts fetch from the machine's own mirror and the tree
# names none. Exit 1 with a message when apt has none.
set -euo pipefail
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /-security/) { print $i; exit } }' "$f")
  if [ -n "$uri" ]; then echo "${uri%/}"; exit 0; fi
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { if ($i !~ /-security/) print $i; exit } }' "$f" | head -1)
  if [ -n "$uri" ]; then echo "${uri%/}"; exit 0; fi
done
echo "apt-mirror.sh: no Debian archive in /etc/apt/sources.list(.d): configure apt, or set the mirror variable the calling script names" >&2
exit 1
