#!/bin/sh
# Install every build and test package, once. Idempotent: apt-get runs
# only when something is missing, and 'apt-get update' only then.
set -e
# libsystemd-dev: sd_notify, the daemons' readiness and watchdog under
# their Type=notify units (common/notify.c).
# clang, libclang-rt-dev (libFuzzer) and llvm (llvm-symbolizer, for the
# stack traces): make fuzz and make fuzz-smoke. gnuplot-nox: the plots of
# make bench (PNG through libgd, no X). python3-pyftpdlib: the FTP server
# of tests/e2e/e2e-ftp.sh (expectation replication). debhelper,
# dpkg-dev, fakeroot and lintian: make deb and tests/integ/deb-package.sh
# (dpkg-buildpackage with dh, and the package's lint).
# python3-prometheus-client: its OpenMetrics parser checks the metrics
# of tests/integ/metrics.sh.
PKGS="build-essential pkg-config protobuf-c-compiler libprotobuf-c-dev
libnetfilter-conntrack-dev libmnl-dev libnftnl-dev libssl-dev libevent-dev
libnetfilter-queue-dev libjson-c-dev libcap-ng-dev libseccomp-dev check
libsubunit-dev libsystemd-dev iproute2 nftables iptables
conntrack conntrackd keepalived ucarp tshark tcpdump python3-scapy iperf3
socat mandoc iputils-ping procps psmisc python3-pyftpdlib
python3-prometheus-client curl
clang libclang-rt-dev llvm gnuplot-nox
debhelper dpkg-dev fakeroot lintian"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"install ok installed"*) ;; *) missing="$missing $p";; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
