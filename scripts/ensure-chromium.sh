#!/bin/sh
# Browser tests drive Debian's chromium. Install it when missing and we may;
# otherwise say what to install.
set -e
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "Installing chromium with apt-get (for the browser tests)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	exit 0
fi
echo "The browser tests need Chromium. Install it, e.g.: sudo apt-get install chromium" >&2
exit 1
