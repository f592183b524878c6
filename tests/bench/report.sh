#!/bin/sh
# tests/bench/report.sh [RESULTS]: the markdown tables of BENCHMARKS.md
# from run.sh's results (default build/bench/results.txt, or
# $LAB_BUILD/bench/results.txt), on stdout.
#
# Figures named CASE/SETTING/SYSTEM/METRIC (tests/bench/peers.sh) make
# one table per case: a row per setting and metric, a column per system
# (carpd first, then the baselines in the order they appear) and, after
# each baseline, the ratio carpd/baseline (below 1: carpd is better for
# times and costs; n/a when either side is). "# note CASE/SETTING/SYSTEM:
# why" lines go under their case's table. Any other figure goes to a
# last table as it is.
top=$(cd "$(dirname "$0")/../.." && pwd)
res=${1:-${LAB_BUILD:-$top/${BUILD:-build}}/bench/results.txt}
[ -r "$res" ] || { echo "report.sh: no $res" >&2; exit 1; }

# cases with a function of their own below (not in the generic tables)
OWN="sync loss"

# report_vs CASE: syncd against conntrackd, a row per setting and metric
# (the union of both systems' metrics: conntrackd's cache and commit
# times, syncd's none), the ratio syncd/conntrackd where both have the
# figure. conntrackd's cpu_receiver includes its commit child, so the
# CPU ratio is against the commit-included figure.
report_vs() {
	awk -v c="$1" '
	function ratio(a, b) {
		if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0)
			return "n/a"
		return sprintf("%.2f", a / b)
	}
	/^# note / {
		x = $0; sub(/^# note /, "", x)
		if (index(x, c "/") == 1 || index(x, c ":") == 1)
			note = note "- " x "\n"
		next
	}
	$1 != "BENCH" && !/^  [a-z]/ { next }
	{
		if ($1 == "BENCH") { name = $2; val = $3; unit = $4 }
		else { name = $1; val = $2; unit = $3 }
		if (split(name, p, "/") != 4 || p[1] != c)
			next
		s = p[2]; m = p[4]
		if (!(s in seen)) { seen[s] = 1; S[++ns] = s }
		if (!((s, m) in seenm)) { seenm[s, m] = 1; M[s, ++nm[s]] = m }
		v[s, p[3], m] = val; u[s, m] = unit
	}
	END {
		if (ns == 0)
			exit
		print "| setting | metric | syncd | conntrackd | syncd/conntrackd |"
		print "|---|---|---:|---:|---:|"
		for (i = 1; i <= ns; i++)
			for (j = 1; j <= nm[S[i]]; j++) {
				s = S[i]; m = M[s, j]
				a = v[s, "syncd", m]; b = v[s, "conntrackd", m]
				printf "| %s | %s (%s) | %s | %s | %s |\n", s, m,
				    u[s, m], a == "" ? "-" : a, b == "" ? "-" : b,
				    ratio(a, b)
			}
		print ""
		if (note != "")
			printf "%s\n", note
	}' "$res"
}

report_sync() {
	grep -q ' sync/' "$res" || return 0
	printf '### sync: N states from A to B (setting: N)\n\n'
	report_vs sync
}

report_loss() {
	grep -q ' loss/' "$res" || return 0
	printf '### loss: 100,000 states, sync datagrams dropped (setting: %%)\n\n'
	report_vs loss
}

awk -v own="$OWN" '
BEGIN { split(own, O, " "); for (i in O) skip[O[i]] = 1 }
function ratio(a, b) {
	if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0)
		return "n/a"
	return sprintf("%.2f", a / b)
}
function add(list, v, n) {	# append v to list (a string) unless in it
	n = split(list, x, " ")
	for (i = 1; i <= n; i++)
		if (x[i] == v)
			return list
	return list (list == "" ? "" : " ") v
}
/^# carp benchmarks/ { sub(/^# /, ""); head = $0; next }
/^# note / {
	sub(/^# note /, "")
	c = $0; sub(/[\/:].*/, "", c)
	if (c in skip)
		next
	note[c] = note[c] "- " $0 "\n"
	next
}
/^#/ { next }
$1 ~ /^(BENCH)?$/ && $2 ~ /^(churn|fullfail)\// { next }	# report_pair
$1 ~ /^(churn|fullfail)\// { next }
{
	if ($1 == "BENCH") { name = $2; val = $3; unit = $4 }
	else { name = $1; val = $2; unit = $3 }
	if (name == "")
		next
	n = split(name, p, "/")
	if (n != 4) {
		other = other "| " name " | " val " | " unit " |\n"
		next
	}
	c = p[1]; s = p[2]; y = p[3]; m = p[4]
	if (c in skip)
		next
	cases = add(cases, c)
	sets[c] = add(sets[c], s)
	mets[c, s] = add(mets[c, s], m)
	if (y != "carpd")
		base[c] = add(base[c], y)
	v[c, s, y, m] = val
	if (!((c, s, m) in u) || y == "carpd")
		u[c, s, m] = unit
}
END {
	if (head != "")
		print "Run: " head "\n"
	nc = split(cases, C, " ")
	for (i = 1; i <= nc; i++) {
		c = C[i]
		nb = split(base[c], B, " ")
		printf "### %s\n\n| setting | metric | carpd |", c
		line = "|---|---|---:|"
		for (j = 1; j <= nb; j++) {
			printf " %s | carpd/%s |", B[j], B[j]
			line = line "---:|---:|"
		}
		print "\n" line
		ns = split(sets[c], S, " ")
		for (k = 1; k <= ns; k++) {
			nm = split(mets[c, S[k]], M, " ")
			for (l = 1; l <= nm; l++) {
				s = S[k]; m = M[l]
				cv = v[c, s, "carpd", m]
				printf "| %s | %s (%s) | %s |", s, m, u[c, s, m],
				    cv == "" ? "-" : cv
				for (j = 1; j <= nb; j++) {
					bv = v[c, s, B[j], m]
					printf " %s | %s |", bv == "" ? "-" : bv,
					    ratio(cv, bv)
				}
				print ""
			}
		}
		print ""
		if (note[c] != "" && c != "churn" && c != "fullfail")
			printf "%s\n", note[c]
	}
	if (other != "") {
		print "### other figures\n\n| name | value | unit |\n|---|---:|---|"
		printf "%s\n", other
	}
}' "$res"

# report_pair CASE SYSTEM BASELINE: the table of a case whose systems
# are not carpd and its peers (issue 10: syncd against conntrackd, with
# settings the baseline lacks): a row per setting and metric, SYSTEM's
# figure, BASELINE's (from the same setting, or else from the one
# setting the baseline has) and their ratio; the case's notes under it.
report_pair() {
	awk -v c="$1" -v p="$2" -v q="$3" '
	function ratio(a, b) {
		if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0)
			return "n/a"
		return sprintf("%.2f", a / b)
	}
	/^# note / {
		t = $0; sub(/^# note /, "", t)
		if (index(t, c "/") == 1)
			note = note "- " t "\n"
		next
	}
	/^#/ { next }
	{
		if ($1 == "BENCH") { name = $2; val = $3; unit = $4 }
		else { name = $1; val = $2; unit = $3 }
		if (split(name, x, "/") != 4 || x[1] != c)
			next
		if (!((x[2], x[4]) in seen)) {
			seen[x[2], x[4]] = 1
			rows[++nr] = x[2] SUBSEP x[4]
		}
		v[x[2], x[3], x[4]] = val
		if (x[3] == p)
			mine[x[2]] = 1
		if (x[3] == q)
			bset = x[2]
		if (x[3] == p || !((x[2], x[4]) in u))
			u[x[2], x[4]] = unit
	}
	END {
		if (nr == 0)
			exit
		printf "### %s\n\n| setting | metric | %s | %s | %s/%s |\n", c, p,
		    q, p, q
		print "|---|---|---:|---:|---:|"
		for (i = 1; i <= nr; i++) {
			split(rows[i], k, SUBSEP)
			s = k[1]; m = k[2]
			if (!(s in mine))
				continue
			a = v[s, p, m]
			b = ((s, q, m) in v) ? v[s, q, m] : v[bset, q, m]
			if (!((s, q, m) in v) && b != "")
				b = b " (" bset ")"
			printf "| %s | %s (%s) | %s | %s | %s |\n", s, m, u[s, m],
			    a == "" ? "-" : a, b == "" ? "-" : b, ratio(a, b)
		}
		print ""
		if (note != "")
			printf "%s\n", note
	}' "$res"
}

report_pair churn syncd conntrackd
report_pair fullfail carpd keepalived
report_sync
report_loss
