# om.py < exposition: parse OpenMetrics text with Debian's
# python3-prometheus-client (the parser Prometheus' Python client uses;
# it refuses what the format forbids: a missing "# EOF", a family split
# in two, a counter sample without _total, a bad escape) and print each
# sample as one line "name{k="v",...} value", labels sorted, and each
# family as "# family NAME TYPE". Exit 1 with the parser's complaint on
# stderr if it refuses the text.
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = sys.stdin.read()
try:
    fams = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError and others
    print("openmetrics parser: %s: %s" % (type(e).__name__, e),
          file=sys.stderr)
    sys.exit(1)
for f in fams:
    print("# family %s %s" % (f.name, f.type))
    for s in f.samples:
        lab = ",".join('%s="%s"' % (k, s.labels[k]) for k in sorted(s.labels))
        print("%s{%s} %s" % (s.name, lab, repr(s.value)))
