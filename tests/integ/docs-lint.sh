#!/bin/sh
# Documentation and packaging lint: the man pages are mandoc -Tlint clean,
# document every configuration keyword and carpctl command the code
# knows, the init scripts are valid sh (and clean for shellcheck when
# it is installed), the systemd units pass systemd-analyze verify
# (when it is installed), and the example configurations, including the
# one in carp.conf(5), pass carpd -n.
#
# Exit 0 pass, 77 skip (reason on the last line), anything else fail.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${LAB_BUILD:-$top/build}
carpd=$build/carpd
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

if ! command -v mandoc >/dev/null 2>&1; then
	echo "mandoc is not installed (make deps installs it)"
	exit 77
fi
if [ ! -x "$carpd" ]; then
	echo "FAIL: $carpd is not built"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/docs-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# 1. Man pages: no warning at all.
for m in "$top"/man/*.[1-9]; do
	[ -f "$m" ] || continue
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		fail "mandoc -Tlint $m (rc $rc):"
		echo "$out"
	fi
done
for m in carpd.8 syncd.8 carpctl.8 carp.conf.5; do
	[ -f "$top/man/$m" ] || fail "man/$m is missing"
done

# 2. carp.conf(5) documents every keyword of the parser's tables, and
#    carpctl(8) every command of carpctl's token tables.
kws=$(cat "$top"/common/conf*.c | sed -n \
    's/^[[:space:]]*{ "\([a-z-]*\)",[[:space:]]*\(conf_[a-z_]*\|NULL, CONF_V_\).*$/\1/p' |
    sort -u)
[ -n "$kws" ] || fail "no keywords found in common/conf*.c"
for kw in $kws; do
	grep -q "^\.It .*Ic $kw\( \|$\)" "$top/man/carp.conf.5" ||
		fail "carp.conf(5) does not document keyword \"$kw\""
done
cmds=$(sed -n 's/^[[:space:]]*{ KEYWORD,[[:space:]]*"\([a-z]*\)",.*$/\1/p' \
    "$top/carpd/carpctl.c" | sort -u)
[ -n "$cmds" ] || fail "no commands found in carpd/carpctl.c"
for c in $cmds; do
	[ "$c" = sync ] && continue
	grep -q "^\.It Cm \(sync \)\{0,1\}$c\( \|$\)" "$top/man/carpctl.8" ||
		fail "carpctl(8) does not document command \"$c\""
done

# 3. Init scripts.
for s in "$top"/rc/*.init; do
	[ -f "$s" ] || continue
	sh -n "$s" || fail "sh -n $s"
	if command -v shellcheck >/dev/null 2>&1; then
		shellcheck -s sh "$s" || fail "shellcheck $s"
	else
		echo "note: shellcheck not installed, $s only checked with sh -n"
	fi
done

# 4. systemd units, with the binaries' paths pointed at something that
#    exists here (verify checks that ExecStart is executable).
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$tmp/units"
	for u in "$top"/rc/*.service; do
		[ -f "$u" ] || continue
		sed 's|/usr/local/sbin/[a-z]*|/bin/true|g' "$u" \
		    >"$tmp/units/$(basename "$u")"
	done
	if ! (cd "$tmp/units" && systemd-analyze verify --man=no ./*.service); then
		fail "systemd-analyze verify rc/*.service"
	fi
else
	echo "note: systemd-analyze not installed, units not verified"
fi

# 5. Example configurations parse. Secrets named under /etc/carp/ are
#    created in a private directory, and the paths rewritten to it.
mkdir -m 700 "$tmp/carp"
(umask 077
printf 'lanpasswd\n' >"$tmp/carp/lan.pass"
printf 'netpasswd\n' >"$tmp/carp/wan.pass"
printf '0123456789abcdef0123456789abcdef' >"$tmp/carp/sync.key")
# the first literal block of EXAMPLES in carp.conf(5) is fw1's file
sed -n '/^\.Sh EXAMPLES/,/^\.Sh/p' "$top/man/carp.conf.5" |
    sed -n '/^\.Bd -literal/,/^\.Ed/{/^\.Bd/d;/^\.Ed/q;p;}' \
    >"$tmp/manpage.conf"
[ -s "$tmp/manpage.conf" ] || fail "no example found in carp.conf(5)"
for f in "$top/etc/carp.conf" "$top/etc/carp.conf.fw2" "$tmp/manpage.conf"; do
	[ -f "$f" ] || { fail "$f is missing"; continue; }
	sed "s|\"/etc/carp/|\"$tmp/carp/|g" "$f" >"$tmp/check.conf"
	if ! out=$("$carpd" -n -f "$tmp/check.conf" 2>&1); then
		fail "carpd -n rejects $f:"
		echo "$out"
	fi
done
# fw1 and fw2 differ where a pair must differ, and agree elsewhere.
if [ -f "$top/etc/carp.conf" ] && [ -f "$top/etc/carp.conf.fw2" ]; then
	for f in carp.conf carp.conf.fw2; do
		sed "s|\"/etc/carp/|\"$tmp/carp/|g" "$top/etc/$f" \
		    >"$tmp/$f.in"
		"$carpd" -nv -f "$tmp/$f.in" 2>/dev/null |
		    grep -v '^[[:space:]]*\(advskew\|syncpeer\) ' >"$tmp/$f.out"
	done
	cmp -s "$tmp/carp.conf.out" "$tmp/carp.conf.fw2.out" ||
		fail "etc/carp.conf and etc/carp.conf.fw2 differ in more than advskew and syncpeer"
fi

if [ $fails -ne 0 ]; then
	echo "docs-lint: $fails failure(s)"
	exit 1
fi
echo "docs-lint: ok"
exit 0
