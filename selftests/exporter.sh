#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `tcpstate exporter` against real components from Debian: promtool,
# a prometheus server and node_exporter, all on loopback in the guest.
# In a namespace with ip_local_port_range 40000-40099 and tcp_tw_reuse 0:
# 2 established pairs to 127.0.0.1:7000 and 5 to 127.0.0.2:8080, held
# throughout, then, while prometheus scrapes, 25 TIME-WAITs to
# 127.0.0.1:8000 (which expire 60 s later: the checks that count them come
# first, and the later ones compare with ss at the time).  Exporter A
# (-n NS, --top 1) is what prometheus scrapes; exporter B (--all-netns,
# --textfile) feeds node_exporter.
#
# Asserted: the exposition passes `promtool check metrics`; its
# time_wait gauge equals `ss -tan state time-wait`; --top 1 keeps
# 127.0.0.1:8000 (25 used, 75 free, headroom 0.75) and puts the other two
# destinations in dst="other" (7 used); GET /nope is 404, POST /metrics
# 405 with Allow, HEAD 200 without a body; 20 connections that send
# nothing do not delay a scrape, and are closed at their deadline;
# prometheus's query tcpstate_connections{state="time_wait"} returns one
# series whose value is the count ss shows; node_exporter's textfile
# collector serves the --textfile file (written by rename, no temporary
# left) with the same gauge and no scrape error; --all-netns labels both
# namespaces; a bad --listen, a port in use and a missing --textfile
# directory are one-line errors with a non-zero status; the Grafana
# dashboard is JSON and queries only families the exporter serves.
. "$(dirname "$0")/lib.sh"

require_root_and_module
module_loaded || { echo "# SKIP: the module is not loaded"; exit $ksft_skip; }
for tool in curl jq promtool prometheus prometheus-node-exporter; do
	command -v $tool > /dev/null ||
		{ echo "# SKIP: needs $tool (scripts/deps.sh installs it)"; exit $ksft_skip; }
done
tap_plan 17

ns=ts_exp
port_a=9464
port_b=9465
port_prom=9090
port_node=9100
url_a=http://127.0.0.1:$port_a
dashboard=$selftests_dir/../userspace-tool/grafana-dashboard.json
tmp=$(mktemp -d)
pids=
held=
cleanup()
{
	local p

	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in $held; do
		stop_workload "$p"
	done
	ip netns del $ns 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# bg NAME CMD...: run CMD in the background, its output in $tmp/NAME.log.
bg()
{
	local name=$1

	shift
	"$@" > "$tmp/$name.log" 2>&1 &
	pids="$pids $!"
	bg_pid=$!
}

ss_tw()
{
	in_ns $ns ss -tanH state time-wait | wc -l
}

# sample FILE FAMILY LABELS: the value of FAMILY{LABELS} in exposition FILE.
sample()
{
	local want=$2

	[ -n "$3" ] && want="$2{$3}"
	awk -v want="$want" '$1 == want { print $2; found = 1 } END { exit !found }' "$1"
}

reports_before=$(kernel_reports | wc -l)
new_ns $ns || exit 1
in_ns $ns sysctl -qw net.ipv4.ip_local_port_range="40000 40099" net.ipv4.tcp_tw_reuse=0
inode=$(netns_inode $ns)
inode_init=$(netns_inode "")

# --- the first workload ------------------------------------------------------
ss_estab()
{
	in_ns $ns ss -tanH state established | wc -l
}
start_workload $ns -p 7000 -e 2
rc=$?
held=$workload_pid
start_workload $ns -a 127.0.0.2 -p 8080 -e 5
rc=$((rc + $?))
held="$held $workload_pid"
# Both ends of each pair are here: 14 established sockets.
[ $rc -eq 0 ] && [ "$(ss_estab)" -eq 14 ] && [ "$(ss_tw)" -eq 0 ]
tap_result workload_7_established_pairs $? \
	"status $rc, ss established $(ss_estab), time-wait $(ss_tw)"

# --- the exporters -------------------------------------------------------------
bg exporter_a "$TCPSTATE_CLI" -n $ns exporter --listen 127.0.0.1:$port_a --top 1
pid_a=$bg_pid
mkdir "$tmp/textfile"
bg exporter_b "$TCPSTATE_CLI" --all-netns -i 1 exporter --listen 127.0.0.1:$port_b \
	--textfile "$tmp/textfile"
pid_b=$bg_pid
scrape_ok()
{
	curl -sf --max-time 5 -D "$tmp/headers" -o "$tmp/metrics" $url_a/metrics
}
wait_for 300 scrape_ok
rc=$?
grep -qi '^Content-Type: text/plain; version=0.0.4' "$tmp/headers"
tap_result exporter_serves_metrics_as_text_0.0.4 $((rc + $?)) \
	"curl status $rc, headers: $(tr -d '\r' < "$tmp/headers" | tr '\n' ' '), log: $(cat "$tmp/exporter_a.log")"

promtool check metrics < "$tmp/metrics" > "$tmp/promtool" 2>&1
rc=$?
echo "# promtool check metrics: status $rc, $(wc -l < "$tmp/promtool") lines of complaints"
sed 's/^/#   promtool: /' "$tmp/promtool"
[ $rc -eq 0 ] && [ ! -s "$tmp/promtool" ]
tap_result promtool_check_metrics_passes $? "status $rc: $(head -n 5 "$tmp/promtool")"

# --- 404, 405, HEAD -------------------------------------------------------------
code_404=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' $url_a/nope)
code_405=$(curl -s --max-time 5 -D "$tmp/h405" -o /dev/null -w '%{http_code}' -X POST $url_a/metrics)
code_head=$(curl -s --max-time 5 -I -o "$tmp/head" -w '%{http_code} %{size_download}' $url_a/metrics)
[ "$code_404" = 404 ] && [ "$code_405" = 405 ] && grep -qi '^Allow: GET, HEAD' "$tmp/h405" &&
	[ "$code_head" = "200 0" ]
tap_result bad_path_404_bad_method_405_head_200 $? \
	"expected 404, 405 with Allow, '200 0'; saw $code_404, $code_405 ($(tr -d '\r' < "$tmp/h405" | tr '\n' ' ')), '$code_head'"

# --- slow clients ---------------------------------------------------------------
# 20 connections that send nothing (more than the 16 slots), then a scrape.
for fd in $(seq 10 29); do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$port_a"
done
opened=$(date +%s)
start=$(date +%s%N)
curl -sf --max-time 5 -o "$tmp/metrics_slow" $url_a/metrics
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && grep -q '^tcpstate_up 1$' "$tmp/metrics_slow"
tap_result scrape_beside_20_silent_clients_answers $? \
	"curl status $rc after $ms ms (limit 5000)"
echo "# the scrape beside 20 silent connections took $ms ms"
# The last silent one holds a slot until its deadline (10 s): then EOF.
timeout 30 cat <&29 > /dev/null
rc=$?
held_s=$(($(date +%s) - opened))
for fd in $(seq 10 29); do
	eval "exec $fd<&-"
done
[ $rc -eq 0 ] && [ $held_s -ge 8 ] && [ $held_s -le 25 ]
tap_result silent_client_closed_at_its_deadline $? \
	"expected EOF after about 10 s; saw status $rc after $held_s s"

# --- prometheus scrapes while the workload runs ------------------------------
cat > "$tmp/prometheus.yml" <<EOT
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: tcpstate
    static_configs:
      - targets: ['127.0.0.1:$port_a']
EOT
mkdir "$tmp/tsdb"
bg prometheus prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/tsdb" --web.listen-address=127.0.0.1:$port_prom
prom_ready()
{
	curl -sf --max-time 5 http://127.0.0.1:$port_prom/-/ready > /dev/null
}
wait_for 1800 prom_ready
rc=$?
tap_result prometheus_server_ready $rc "log: $(tail -n 5 "$tmp/prometheus.log")"

workload_s=$SECONDS
in_ns $ns "$TCP_WORKLOAD" -p 8000 -t 25 -x > /dev/null
rc=$?
wait_for 100 eval '[ "$(ss_tw)" -eq 25 ]'
tap_result workload_25_timewait_in_ss $((rc + $?)) "status $rc, ss $(ss_tw)"

# --- the exposition's own numbers ----------------------------------------------
curl -sf --max-time 5 -o "$tmp/metrics" $url_a/metrics
tw=$(sample "$tmp/metrics" tcpstate_connections "netns=\"$inode\",state=\"time_wait\"")
[ "$tw" = "$(ss_tw)" ]
tap_result metrics_time_wait_equals_ss $? "metrics $tw, ss $(ss_tw)"

d="netns=\"$inode\",src=\"127.0.0.1\",dst=\"127.0.0.1:8000\""
o="netns=\"$inode\",dst=\"other\""
seen="$(sample "$tmp/metrics" tcpstate_ports_used "$d") $(sample "$tmp/metrics" tcpstate_ports_free "$d")"
seen="$seen $(sample "$tmp/metrics" tcpstate_ports_headroom_ratio "$d")"
seen="$seen $(sample "$tmp/metrics" tcpstate_ports_used "$o") $(grep -c '^tcpstate_ports_used{' "$tmp/metrics")"
[ "$seen" = "25 75 0.75 7 2" ]
rc=$?
grep -E 'state="time_wait"|dst=|port_failures' "$tmp/metrics" | sed 's/^/#   /'
tap_result top_1_keeps_8000_and_the_rest_is_other $rc \
	"expected '25 75 0.75 7 2' (used, free, headroom; other used; series); saw '$seen': $(grep '^tcpstate_ports' "$tmp/metrics" | tr '\n' ' ')"

# query: one series; its value, before and after, equals ss.
# (At least the 25: prometheus has scraped since the workload.)
query()
{
	curl -s --max-time 5 -G --data-urlencode 'query=tcpstate_connections{state="time_wait"}' \
		http://127.0.0.1:$port_prom/api/v1/query > "$tmp/query"
	before=$(ss_tw)
	series=$(jq -r '.data.result | length' "$tmp/query")
	value=$(jq -r '.data.result[0].value[1]' "$tmp/query")
	after=$(ss_tw)
	[ "$series" = 1 ] && [ "$value" = "$before" ] && [ "$value" = "$after" ] &&
		[ "$value" -ge 25 ] 2> /dev/null
}
wait_for 400 query
rc=$?
echo "# prometheus: tcpstate_connections{state=\"time_wait\"} = $value ($series series); ss -tan state time-wait: $before; $((SECONDS - workload_s)) s after the workload"
tap_result prometheus_query_time_wait_equals_ss $rc \
	"expected one series equal to ss ($before, then $after); saw $series series, value '$value': $(head -c 400 "$tmp/query")"

# --- node_exporter serves the textfile ---------------------------------------
bg node_exporter prometheus-node-exporter --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$tmp/textfile" \
	--web.listen-address=127.0.0.1:$port_node
node_has_tw()
{
	curl -sf --max-time 5 -o "$tmp/node" http://127.0.0.1:$port_node/metrics &&
		[ "$(sample "$tmp/node" tcpstate_connections "netns=\"$inode\",state=\"time_wait\"")" = "$(ss_tw)" ]
}
wait_for 600 node_has_tw
rc=$?
err=$(sample "$tmp/node" node_textfile_scrape_error "")
leftover=$(find "$tmp/textfile" -name '*.tmp' | wc -l)
mode=$(stat -c %a "$tmp/textfile/tcpstate.prom")
echo "# node_exporter: $(grep -c '^tcpstate_' "$tmp/node") tcpstate_ samples, node_textfile_scrape_error $err"
[ $rc -eq 0 ] && [ "$err" = 0 ] && [ "$leftover" = 0 ] && [ "$mode" = 644 ]
tap_result node_exporter_textfile_serves_time_wait_equal_to_ss $? \
	"status $rc, scrape error '$err', $leftover temporary files, mode $mode, ss $(ss_tw): $(grep 'time_wait\|textfile' "$tmp/node" | head -n 5 | tr '\n' ' ') log: $(tail -n 3 "$tmp/node_exporter.log")"

# --- --all-netns: both namespaces ----------------------------------------------
curl -sf --max-time 5 -o "$tmp/all" http://127.0.0.1:$port_b/metrics
a=$(sample "$tmp/all" tcpstate_connections "netns=\"$inode\",state=\"time_wait\"")
b=$(sample "$tmp/all" tcpstate_connections "netns=\"$inode_init\",state=\"time_wait\"")
[ "$a" = "$(ss_tw)" ] && [ -n "$b" ] && promtool check metrics < "$tmp/all" > /dev/null 2>&1
tap_result all_netns_labels_both_namespaces $? \
	"expected $(ss_tw) for netns $inode and a value for $inode_init; saw '$a' and '$b'"

# --- one-line errors --------------------------------------------------------------
"$TCPSTATE_CLI" exporter --listen 127.0.0.1 > /dev/null 2> "$tmp/e1"
r1=$?
timeout 20 "$TCPSTATE_CLI" -n $ns exporter --listen 127.0.0.1:$port_a > /dev/null 2> "$tmp/e2"
r2=$?
timeout 20 "$TCPSTATE_CLI" exporter --textfile "$tmp/nonexistent" -c 1 > /dev/null 2> "$tmp/e3"
r3=$?
[ $r1 = 2 ] && [ "$(wc -l < "$tmp/e1")" = 1 ] &&
	[ $r2 = 1 ] && [ "$(wc -l < "$tmp/e2")" = 1 ] && grep -q "Address already in use" "$tmp/e2" &&
	[ $r3 = 1 ] && [ "$(wc -l < "$tmp/e3")" = 1 ] && grep -q "^tcpstate: --textfile" "$tmp/e3"
tap_result bad_listen_port_in_use_bad_dir_one_line_errors $? \
	"expected 2, 1, 1 and one line each; saw $r1 '$(cat "$tmp/e1")', $r2 '$(cat "$tmp/e2")', $r3 '$(cat "$tmp/e3")'"

kill -0 "$pid_a" 2>/dev/null && kill -0 "$pid_b" 2>/dev/null
tap_result exporters_still_running $? "$(cat "$tmp/exporter_a.log" "$tmp/exporter_b.log")"

# --- the Grafana dashboard -------------------------------------------------------
# Valid JSON, with panels, whose every tcpstate_ name is a family served.
names=$(jq -r '.. | .expr? // empty' "$dashboard" 2>&1 | grep -o 'tcpstate_[a-z_]*' | sort -u)
missing=
for n in $names; do
	grep -q "^# TYPE $n " "$tmp/all" || missing="$missing $n"
done
panels=$(jq '.panels | length' "$dashboard" 2>&1)
[ -n "$names" ] && [ -z "$missing" ] && [ "$panels" -ge 4 ] 2>/dev/null
tap_result grafana_dashboard_is_json_with_served_families $? \
	"panels '$panels', names '$(echo $names)', not served:$missing"

reports_after=$(kernel_reports | wc -l)
[ "$reports_after" -eq "$reports_before" ]
tap_result no_kernel_report $? "$(kernel_reports | tail -n 3)"

tap_exit
