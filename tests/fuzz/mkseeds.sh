#!/bin/sh
# Rewrite the seed corpora in tests/fuzz/corpus from the project's own
# encoders (mkseeds.c), the captured ucarp adverts and the golden
# configs. Run from the top of the tree; review and commit the result.
#
#	sh tests/fuzz/mkseeds.sh [BUILD]
set -eu
build=${1:-build}
corpus=tests/fuzz/corpus
make -s BUILD="$build" "$build/fuzz/mkseeds"
for t in carp carpin sync rx seal ctl ct conf; do
	rm -rf "${corpus:?}/$t"
	mkdir -p "$corpus/$t"
done
"$build/fuzz/mkseeds" "$corpus" tests/data/*.txt
# real kernel events, from a network namespace of our own
if [ "$(id -u)" = 0 ]; then
	unshare -n "$build/fuzz/mkseeds" -k "$corpus"
else
	echo "mkseeds: not root, no kernel conntrack events captured" >&2
fi
# configs, valid and invalid; fuzz_conf provides the files they name
for f in tests/golden/valid/*.conf tests/golden/invalid/*.conf; do
	case $f in
	*/valid/*)	cp "$f" "$corpus/conf/valid-$(basename "$f" .conf)" ;;
	*)		cp "$f" "$corpus/conf/invalid-$(basename "$f" .conf)" ;;
	esac
done
cp etc/carp.conf "$corpus/conf/etc-carp"
cp etc/carp.conf.fw2 "$corpus/conf/etc-carp-fw2"
du -sh "$corpus"/*
