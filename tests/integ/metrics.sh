#!/bin/sh
# Metrics (issue 11): carpctl metrics and each daemon's metrics-listen
# give OpenMetrics text that a real parser takes (Debian's
# python3-prometheus-client, lib/om.py): carpd's carp1 is MASTER in the
# carp_state stateset, a counter grows between two scrapes, syncd's
# families are there, both agree on the families they share; GET of
# another path is 404, POST 405. Then ten clients that connect and never
# send or read: carpd keeps its election and answers carpctl at once,
# the HTTP server pauses at its connection limit (http_full grows) and
# serves again once they are timed out. The kernel logged no system call
# denied to either daemon (the listener accepts after the seccomp drop).
. "$(dirname "$0")/lib/sync.sh"
lab_require "$SYNCD" "$CARPCTL" curl
"$LAB_PY" -c 'import prometheus_client' 2>/dev/null ||
	{ echo "skip: no python3-prometheus-client (tests/deps.sh)"; exit 77; }
lab_init
(umask 077; head -c 32 /dev/urandom >"$LAB_DIR/sync.key")
seccomp_mark

sync_alone a
INTEG_VIPS="eth0:192.0.2.254"
CARPD_URL=http://192.0.2.1:9742
SYNCD_URL="http://[2001:db8:1::1]:9743"

{ echo "metrics-listen 192.0.2.1:9742"
  echo "group internal { demote 0 }"
  carp_block carp1 1 eth0 0 lab-secret "address 192.0.2.254/24" \
      "group internal"
} | carpd_conf a
carpd_start a
wait_for 10 "carp_is a carp1 MASTER" || lab_fail "carp1 never MASTER"
sync_conf a sync0 203.0.113.2 "bulk-timeout 5s" \
    "metrics-listen [2001:db8:1::1]:9743"
syncd_start a

# om FILE: the parsed samples of FILE, or fail with the parser's word
om() {
	"$LAB_PY" "$INTEG_LIB/om.py" <"$1" >"$1.om" ||
		lab_fail "$1 does not parse: $(head -c 300 "$1")"
	cat "$1.om"
}
# value FILE SAMPLE: the value of one sample line of om's output
value() { grep -F "$2 " "$1.om" | awk '{ print $NF }'; }
get() { lab_exec a curl -sS -o "$2" -w '%{http_code}' "$1"; }
metrics() {
	carpctl a metrics -S "$LAB_DIR/a-sync.sock" >"$1" ||
		lab_fail "carpctl metrics exited $?"
}

# --- carpctl metrics
metrics "$LAB_DIR/m1"
om "$LAB_DIR/m1" >/dev/null
tail -1 "$LAB_DIR/m1" | grep -qx '# EOF' || lab_fail "no # EOF at the end"
M='carp_state{carp="carp1",carp_state="MASTER",vhid="1"}'
[ "$(value "$LAB_DIR/m1" "$M")" = 1 ] ||
	lab_fail "carp1 not MASTER in the stateset: $(grep carp_state "$LAB_DIR/m1")"
grep -q '^# family carp_adverts_sent counter$' "$LAB_DIR/m1.om" ||
	lab_fail "no counter carp_adverts_sent"
grep -q '^carp_group_demote{group="internal"} 0$' "$LAB_DIR/m1.om" ||
	lab_fail "no carp_group_demote for internal"
for f in "sync_states_replicated gauge" "sync_peer_alive gauge" \
    "sync_retransmits counter" "sync_link_datagrams_sent counter"; do
	grep -q "^# family $f\$" "$LAB_DIR/m1.om" || lab_fail "no $f"
done
A='carp_adverts_sent_total{carp="carp1",vhid="1"}'
a1=$(value "$LAB_DIR/m1" "$A")
wait_for 5 'metrics "$LAB_DIR/m2"; om "$LAB_DIR/m2" >/dev/null;
    [ "$(value "$LAB_DIR/m2" "$A")" -gt "$a1" ]' ||
	lab_fail "adverts_sent did not grow from $a1"
lab_log "carpctl metrics: $(grep -c '^# family' "$LAB_DIR/m2.om") families," \
    "adverts_sent $a1 -> $(value "$LAB_DIR/m2" "$A")"

# --- GET /metrics from each daemon
code=$(get "$CARPD_URL/metrics" "$LAB_DIR/h1") || lab_fail "curl carpd"
[ "$code" = 200 ] || lab_fail "GET carpd /metrics: $code"
om "$LAB_DIR/h1" >/dev/null
[ "$(value "$LAB_DIR/h1" "$M")" = 1 ] || lab_fail "HTTP: carp1 not MASTER"
code=$(get "$SYNCD_URL/metrics" "$LAB_DIR/h2") || lab_fail "curl syncd"
[ "$code" = 200 ] || lab_fail "GET syncd /metrics: $code"
om "$LAB_DIR/h2" >/dev/null
grep -q '^# family sync_states_replicated gauge$' "$LAB_DIR/h2.om" ||
	lab_fail "HTTP: syncd has no sync_states_replicated"
# the families carpctl shows are those the daemons serve
grep '^# family carp' "$LAB_DIR/m2.om" >"$LAB_DIR/f-ctl"
grep '^# family carp' "$LAB_DIR/h1.om" >"$LAB_DIR/f-http"
cmp -s "$LAB_DIR/f-ctl" "$LAB_DIR/f-http" ||
	lab_fail "carpd's families differ: $(diff "$LAB_DIR/f-ctl" "$LAB_DIR/f-http")"
grep '^# family sync' "$LAB_DIR/m2.om" >"$LAB_DIR/f-ctl"
grep '^# family sync' "$LAB_DIR/h2.om" >"$LAB_DIR/f-http"
cmp -s "$LAB_DIR/f-ctl" "$LAB_DIR/f-http" ||
	lab_fail "syncd's families differ: $(diff "$LAB_DIR/f-ctl" "$LAB_DIR/f-http")"
# a figure, not a check: the size of an answer and how long it took
t=$(lab_exec a curl -sS -D "$LAB_DIR/hdr" -o /dev/null \
    -w '%{size_download} bytes in %{time_total} s' "$CARPD_URL/metrics")
lab_log "GET carpd /metrics: $t (one carp, two groups)"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' \
    "$LAB_DIR/hdr" || lab_fail "content type: $(cat "$LAB_DIR/hdr")"

# --- other paths and methods
[ "$(get "$CARPD_URL/" /dev/null)" = 404 ] || lab_fail "GET / is not 404"
[ "$(get "$SYNCD_URL/metricsx" /dev/null)" = 404 ] ||
	lab_fail "syncd GET /metricsx is not 404"
code=$(lab_exec a curl -sS -o /dev/null -w '%{http_code}' -X POST \
    -d x=1 "$CARPD_URL/metrics")
[ "$code" = 405 ] || lab_fail "POST is $code, not 405"
metrics "$LAB_DIR/m3"
om "$LAB_DIR/m3" >/dev/null
r=$(value "$LAB_DIR/m3" carpd_http_requests_total{})
e=$(value "$LAB_DIR/m3" carpd_http_errors_total{})
[ "$r" -ge 4 ] && [ "$e" -ge 1 ] ||
	lab_fail "http counters: $r requests, $e errors"
lab_log "carpd http: $r requests, $e errors"

# --- clients that never send nor read: bounded, and carpd unharmed
lab_exec a "$LAB_PY" -c '
import socket, sys, time
s = [socket.create_connection(("192.0.2.1", 9742)) for i in range(10)]
time.sleep(12)
' &
IDLE=$!
echo "$IDLE a idle-clients" >>"$LAB_DIR/pids"
wait_for 5 'metrics "$LAB_DIR/m4"; om "$LAB_DIR/m4" >/dev/null;
    [ "$(value "$LAB_DIR/m4" carpd_http_full_total{})" -ge 1 ]' ||
	lab_fail "10 idle clients did not reach the limit: $(grep http_ \
	    "$LAB_DIR/m4.om")"
carp_is a carp1 MASTER || lab_fail "carp1 lost MASTER under idle clients"
lab_log "idle clients: $(value "$LAB_DIR/m4" carpd_http_clients{}) open," \
    "limit reached $(value "$LAB_DIR/m4" carpd_http_full_total{}) times"
# the idle ones are closed after 5 s; then GET works again
wait_for 15 '[ "$(get "$CARPD_URL/metrics" /dev/null)" = 200 ]' ||
	lab_fail "GET /metrics never answered again"
# the idle clients exit (12 s): every connection is let go
wait "$IDLE"
wait_for 10 'metrics "$LAB_DIR/m5"; om "$LAB_DIR/m5" >/dev/null;
    [ "$(value "$LAB_DIR/m5" carpd_http_clients{})" = 0 ]' ||
	lab_fail "connections not released: $(grep http_clients "$LAB_DIR/m5.om")"

d=$(seccomp_denials "$(realpath "$LAB_BUILD")/(carpd|syncd)")
[ -z "$d" ] || lab_fail "seccomp denied: $d"
syncd_stop a || lab_fail "syncd exited $?"
carpd_stop a || lab_fail "carpd exited $?"
lab_log "metrics: OK"
