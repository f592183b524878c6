#!/bin/sh
# e2e-base1: e2e-crash at advbase 1, the conservative setting carp.conf(5)
# documents (fw1 advskew 0, fw2 100: fw2 takes over 4170 ms after fw1
# goes silent), so that it stays tested beside the lab's sub-second
# default. The connections must outlast a failover of seconds, through
# TCP's retransmission backoff.
FWPAIR_ADVBASE=1
FWPAIR_ADVSKEW="0 100"
export FWPAIR_ADVBASE FWPAIR_ADVSKEW
exec sh "$(dirname "$0")/e2e-crash.sh"
