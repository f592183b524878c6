#!/bin/sh
# The Debian package: "make deb" builds build/carp_VERSION_ARCH.deb, and
# what it holds is what an operator needs. dpkg installs it into a
# scratch root (--root, with a dpkg database of its own), not into this
# machine: its postinst enables the units, which a CI or developer
# machine must not get (a trap cannot undo it after a kill). The
# maintainer scripts run outside the root (--force-script-chrootless:
# the root has no shell) with DPKG_ROOT set, which deb-systemd-helper
# and update-rc.d honour, so the units are enabled inside the root; the
# test checks that the machine's own enable links did not change. The
# installed carpd and syncd then check the example configuration (its
# secrets made in the scratch root), carpctl -h prints its usage, the
# package is purged from the root again, and lintian finds no error.
#
# CARP_DEB=path tests a package already built instead of building one.
# Exit 0 pass, 77 skip (reason on the last line), anything else fail.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

for c in dpkg-buildpackage dh lintian fakeroot; do
	if ! command -v $c >/dev/null 2>&1; then
		echo "$c is not installed (make deps installs it)"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deb-package.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/root

# 1. Build, from a copy of the tree (make deb makes one under BUILD).
ver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version) ||
	{ echo "FAIL: no version in debian/changelog"; exit 1; }
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=${CARP_DEB:-}
if [ -z "$deb" ]; then
	make -s -C "$top" deb BUILD="$tmp/build" >"$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log"; echo "FAIL: make deb"; exit 1; }
	deb=$tmp/build/carp_${ver}_$arch.deb
fi
[ -f "$deb" ] || { echo "FAIL: no $deb"; exit 1; }
echo "package: $(basename "$deb")"

# 2. Control fields: Depends from dh_shlibdeps, the conffile.
deps=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $deps"
for lib in libc6 libevent libnetfilter-conntrack3 libprotobuf-c1; do
	case "$deps" in *"$lib"*) ;; *) fail "Depends lacks $lib";; esac
done
dpkg-deb -e "$deb" "$tmp/ctl" || { echo "FAIL: dpkg-deb -e"; exit 1; }
grep -qx /etc/carp.conf "$tmp/ctl/conffiles" 2>/dev/null ||
	fail "/etc/carp.conf is not a conffile"

# 3. Units enabled, nothing started at installation.
for u in carpd syncd; do
	grep -q "deb-systemd-helper enable '$u.service'" "$tmp/ctl/postinst" ||
		fail "postinst does not enable $u.service"
	grep -q "update-rc.d $u defaults" "$tmp/ctl/postinst" ||
		fail "postinst does not register /etc/init.d/$u"
done
if grep -Eq 'deb-systemd-invoke (start|restart)|invoke-rc\.d .*start' \
    "$tmp/ctl/postinst"; then
	fail "postinst starts a service"
fi
for s in preinst postinst prerm postrm; do
	[ -f "$tmp/ctl/$s" ] || { fail "no $s"; continue; }
	sh -n "$tmp/ctl/$s" || fail "$s is not valid sh"
done

# 4. Installed by dpkg into the scratch root. Its libraries are this
#    machine's (--force-depends: the root's database has none of them).
wants=/etc/systemd/system/multi-user.target.wants
host_links() {
	ls -l "$wants"/carpd.service "$wants"/syncd.service 2>&1
}
host_before=$(host_links)
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" &&
	: >"$root/var/lib/dpkg/status" || exit 1
rdpkg() {
	dpkg --root="$root" --force-script-chrootless --force-depends \
	    --log=/dev/null "$@" >>"$tmp/dpkg.log" 2>&1
}
rdpkg -i "$deb" || { cat "$tmp/dpkg.log"; echo "FAIL: dpkg -i"; exit 1; }
dpkg --root="$root" -s carp | grep -qx 'Status: install ok installed' ||
	fail "carp is not installed in the scratch root"
for u in carpd syncd; do
	[ -L "$root$wants/$u.service" ] || fail "$u.service is not enabled"
done
[ "$(host_links)" = "$host_before" ] ||
	fail "the machine's enable links changed: $(host_links)"
for f in usr/sbin/carpd usr/sbin/syncd usr/sbin/carpctl; do
	[ -x "$root/$f" ] || fail "/$f is missing"
done
for f in man5/carp.conf.5 man8/carpd.8 man8/syncd.8 man8/carpctl.8; do
	[ -f "$root/usr/share/man/$f.gz" ] || fail "man page $f is missing"
done
for u in carpd syncd; do
	f=$root/lib/systemd/system/$u.service
	[ -f "$f" ] || { fail "$u.service is missing"; continue; }
	grep -q "^ExecStart=/usr/sbin/$u " "$f" ||
		fail "$u.service does not start /usr/sbin/$u"
	grep -q "^DAEMON=/usr/sbin/$u\$" "$root/etc/init.d/$u" ||
		fail "/etc/init.d/$u does not run /usr/sbin/$u"
done
[ "$(stat -c %a "$root/etc/carp")" = 700 ] ||
	fail "installed /etc/carp is not mode 700"
dpkg-deb -c "$deb" >"$tmp/list"
grep -q '^drwx------ root/root .* \./etc/carp/$' "$tmp/list" ||
	fail "/etc/carp is not mode 700 root: $(grep '\./etc/carp/$' "$tmp/list")"
grep -q '^-rw------- root/root .* \./etc/carp\.conf$' "$tmp/list" ||
	fail "/etc/carp.conf is not mode 600 root"
cmp -s "$root/etc/carp.conf" "$top/etc/carp.conf" ||
	fail "/etc/carp.conf is not the example etc/carp.conf"

# 5. The installed daemons check the example, with its secrets made in the
#    scratch root and its /etc/carp paths pointed there.
printf 'lan-test-secret' >"$root/etc/carp/lan.pass"
printf 'wan-test-secret' >"$root/etc/carp/wan.pass"
head -c 32 /dev/urandom >"$root/etc/carp/sync.key"
chmod 600 "$root"/etc/carp/*
sed "s|\"/etc/carp/|\"$root/etc/carp/|g" "$root/etc/carp.conf" \
    >"$tmp/carp.conf" && chmod 600 "$tmp/carp.conf"
for d in carpd syncd; do
	"$root/usr/sbin/$d" -n -f "$tmp/carp.conf" ||
		fail "installed $d -n -f /etc/carp.conf"
done
# -h: the usage on standard output, exit 0
out=$("$root/usr/sbin/carpctl" -h 2>/dev/null)
rc=$?
case "$out" in
*"usage: carpctl"*) [ $rc -eq 0 ] || fail "carpctl -h exit $rc";;
*) fail "carpctl -h (rc $rc): $out";;
esac

# 6. Purged from the root: files, conffile and enable links gone.
rdpkg --purge carp || { cat "$tmp/dpkg.log"; fail "dpkg --purge"; }
for f in usr/sbin/carpd etc/carp.conf "$wants/carpd.service"; do
	if [ -e "$root/${f#/}" ] || [ -L "$root/${f#/}" ]; then
		fail "/${f#/} is left after the purge"
	fi
done
[ "$(host_links)" = "$host_before" ] ||
	fail "the machine's enable links changed: $(host_links)"

# 7. lintian: an error fails, warnings are printed.
lintian --fail-on error "$deb" >"$tmp/lintian" 2>&1
rc=$?
grep -E '^[EW]:' "$tmp/lintian"
[ $rc -eq 0 ] || fail "lintian reports an error (rc $rc)"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "deb-package: ok"
