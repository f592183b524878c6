#!/bin/sh
# Golden config tests: sh tests/golden/run.sh BUILD
#
#   valid/NAME.conf     carpd -nv -f NAME.conf must exit 0 and print NAME.ok
#   invalid/NAME.conf   carpd -n -f NAME.conf must exit 1 with exactly
#                       NAME.err on stderr ("NAME.conf:LINE: message")
#
# carpd runs from inside the case's directory so that file names in the
# messages and relative paths in the configs are the same everywhere.
# Git keeps no modes but +x: secrets are chmod'ed here before running.
#
# GOLDEN_UPDATE=1 rewrites the .ok/.err files from the current output
# (review the diff before committing it).
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
case $build in
/*)	;;
*)	build=$(pwd)/$build ;;
esac
carpd=$build/carpd
if [ ! -x "$carpd" ]; then
	echo "golden: $carpd not built" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Private secrets must pass the secrecy check, the world-readable ones
# and the non-executable or unsafe scripts must fail theirs.
chmod 600 "$here"/valid/*.pass "$here"/valid/*.key \
    "$here"/invalid/private.key "$here"/invalid/long.pass \
    "$here"/invalid/short.key
chmod 644 "$here"/invalid/world.pass "$here"/invalid/world.key
chmod 755 "$here"/valid/*.sh
chmod 644 "$here"/invalid/noexec.sh
# scripts: one writable by others, one in a directory writable by group
chmod 777 "$here"/invalid/world.sh
chmod 755 "$here"/invalid/unsafe/up.sh
chmod 775 "$here"/invalid/unsafe
# Configs may hold an inline password, which needs a private file; the
# one case about that rule needs a readable one.
chmod 600 "$here"/valid/*.conf "$here"/valid/inc/* "$here"/invalid/*.conf \
    "$here"/invalid/*.inc
chmod 644 "$here"/invalid/password-readable.conf

pass=0
fail=0

# report NAME STATUS: count and print one line per case
report() {
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1"
		fail=$((fail + 1))
	fi
}

# compare WANT GOT: 0 when equal, else show the difference
compare() {
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$2" "$1"
		return 0
	fi
	[ -f "$1" ] || { echo "  missing $1"; return 1; }
	diff -u "$1" "$2" | sed 's/^/  /'
	cmp -s "$1" "$2"
}

# The canonical form must parse back to itself. It is checked from the
# case's directory, where its relative paths resolve.
idempotent() {
	rt=.golden-rt.$$.tmp
	cp "$tmp/out" "$here/valid/$rt"
	chmod 600 "$here/valid/$rt"
	(cd "$here/valid" && "$carpd" -nv -f "$rt") >"$tmp/out2" 2>&1
	rc=$?
	rm -f "$here/valid/$rt"
	if [ $rc -ne 0 ] || ! cmp -s "$tmp/out" "$tmp/out2"; then
		echo "  printed form does not parse back to itself:"
		diff -u "$tmp/out" "$tmp/out2" | sed 's/^/  /'
		return 1
	fi
}

for conf in "$here"/valid/*.conf; do
	name=$(basename "$conf" .conf)
	st=0
	(cd "$here/valid" && "$carpd" -nv -f "$name.conf") \
	    >"$tmp/out" 2>"$tmp/err" || {
		echo "  exit $?:"; sed 's/^/  /' "$tmp/err"; st=1; }
	[ $st -eq 0 ] && { compare "$here/valid/$name.ok" "$tmp/out" || st=1; }
	[ $st -eq 0 ] && { idempotent "$name" || st=1; }
	report "valid/$name" $st
done

for conf in "$here"/invalid/*.conf; do
	name=$(basename "$conf" .conf)
	st=0
	(cd "$here/invalid" && "$carpd" -n -f "$name.conf") \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "  exit $rc, want 1"
		st=1
	fi
	compare "$here/invalid/$name.err" "$tmp/err" || st=1
	report "invalid/$name" $st
done

echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
