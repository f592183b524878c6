#!/bin/sh
# Capture real CARP adverts sent by Debian's ucarp, as test vectors for
# tests/unit/test_carp.c. Run once, as root; the output is committed.
#
#   sh tests/tools/capture-ucarp.sh [OUTDIR]     (default tests/data)
#
# Two network namespaces joined by a veth pair: ucarp runs alone in one
# (so it becomes master after 3 x advbase and starts advertising), tcpdump
# listens in the other. Each vector file holds the parameters ucarp was
# started with, the IP TTL seen and the exact 36 CARP bytes of a few
# consecutive adverts, in hex.
set -eu

OUT=${1:-tests/data}
NADV=3			# adverts kept per vector
TAG="cap$$"
NSA="$TAG-a"		# ucarp
NSB="$TAG-b"		# tcpdump
TMP=$(mktemp -d)
UCPID=""

cleanup() {
	[ -n "$UCPID" ] && kill "$UCPID" 2>/dev/null || true
	ip netns del "$NSA" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

for tool in ucarp tcpdump ip timeout; do
	command -v "$tool" >/dev/null || { echo "need $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }

ip netns add "$NSA"
ip netns add "$NSB"
# created under unique names, renamed inside the namespaces
ip link add "${TAG}a" type veth peer name "${TAG}b"
ip link set "${TAG}a" netns "$NSA" name va
ip link set "${TAG}b" netns "$NSB" name vb
ip -n "$NSA" addr add 192.0.2.1/24 dev va
ip -n "$NSB" addr add 192.0.2.2/24 dev vb
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip -n "$NSA" link set va up
ip -n "$NSB" link set vb up

# hexdump of the packets in a pcap, one line per packet, from the IP
# header on (tcpdump -x starts at the network layer)
pcap_hex() {
	tcpdump -nn -x -r "$1" 2>/dev/null | awk '
		/^[^ \t]/ { if (h != "") print h; h = ""; next }
		{ for (i = 2; i <= NF; i++) h = h $i }
		END { if (h != "") print h }'
}

# capture NAME VHID PASSWORD ADDRESS ADVBASE ADVSKEW
capture() {
	name=$1 vhid=$2 pass=$3 addr=$4 advbase=$5 advskew=$6
	pcap="$TMP/$name.pcap"
	# master after 3 x interval, then one advert per interval
	secs=$(( (advbase + 1) * (NADV + 4) + 5 ))

	ip netns exec "$NSB" timeout "$secs" tcpdump -i vb -U -c "$NADV" \
	    -w "$pcap" 'ip proto 112' 2>/dev/null &
	tdpid=$!
	sleep 1
	ip netns exec "$NSA" ucarp -i va -s 192.0.2.1 -v "$vhid" \
	    -p "$pass" -a "$addr" -b "$advbase" -k "$advskew" \
	    -u /bin/true -d /bin/true >"$TMP/$name.log" 2>&1 &
	UCPID=$!
	wait "$tdpid" || true
	kill "$UCPID" 2>/dev/null || true
	wait "$UCPID" 2>/dev/null || true
	UCPID=""

	n=$(pcap_hex "$pcap" | wc -l)
	if [ "$n" -lt "$NADV" ]; then
		echo "$name: only $n adverts captured" >&2
		cat "$TMP/$name.log" >&2
		exit 1
	fi

	f="$OUT/ucarp-$name.txt"
	{
		echo "# CARP adverts sent by $(ucarp -h 2>&1 | awk 'NF {
		    print $1, $2; exit }') (Debian), captured by"
		echo "# tests/tools/capture-ucarp.sh on a veth pair:"
		echo "# ucarp -i va -s 192.0.2.1 -v $vhid -p '$pass'" \
		    "-a $addr -b $advbase -k $advskew"
		echo "# carp= lines: the 36 CARP bytes of consecutive adverts."
		echo "vhid=$vhid"
		echo "password=$pass"
		echo "address=$addr"
		echo "advbase=$advbase"
		echo "advskew=$advskew"
		echo "source=192.0.2.1"
		pcap_hex "$pcap" | while read -r hex; do
			# IPv4 header length from the low nibble of byte 0
			ihl=$(( 0x$(echo "$hex" | cut -c2) * 4 ))
			ttl=$(echo "$hex" | cut -c17-18)
			echo "ttl=$(( 0x$ttl ))"
			echo "$hex" | cut -c$(( ihl * 2 + 1 ))-$(( ihl * 2 + 72 )) |
			    sed 's/^/carp=/'
		done | awk '/^ttl=/ { if ($0 == last) next; last = $0 }
		    { print }'
	} >"$f"
	echo "wrote $f"
}

mkdir -p "$OUT"
capture vhid7 7 secretpw 192.0.2.100 1 10
capture vhid42 42 'an0ther pass' 198.51.100.77 2 100
capture pass19 200 'Nineteen.Bytes.Pw19' 203.0.113.5 1 0
