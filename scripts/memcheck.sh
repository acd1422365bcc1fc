#!/usr/bin/env bash
# make memcheck (part of make check): the host tool under valgrind memcheck
# (docs/quality.md). Any memory error, or a definite leak, fails the run:
#   blemesh demo --quiet; decode, encode and beacon on the specification's
#   sample data; a node and the provisioner as real processes on the socket
#   bearer (a private UDP port): create, provision, config, onoff.
#   scripts/memcheck.sh BUILD_DIR
set -euo pipefail
bin=$(realpath "${1:-build}/blemesh")
[ -x "$bin" ] || { echo "memcheck: $bin missing (build first)" >&2; exit 1; }
tmp=$(mktemp -d)
node_pid=
cleanup() {
    [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --log-file="$tmp/vg.%p")
runs=0

fail() {
    echo "memcheck: FAILED: $*" >&2
    cat "$tmp"/vg.* "$tmp"/*.log 2>/dev/null >&2 || true
    exit 1
}
# vg NAME ARGS...: one tool invocation under memcheck, stdout to $tmp/NAME.out.
vg() {
    local name=$1
    shift
    runs=$((runs + 1))
    "${VG[@]}" "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" ||
        fail "blemesh $* (exit $?): $(tail -n 3 "$tmp/$name.err")"
}
expect() { grep -q -- "$2" "$tmp/$1.out" || fail "$1: expected \"$2\" in: $(cat "$tmp/$1.out")"; }

NETKEY=7dd7364cd842ad18c17c2b820c84c3d6
APPKEY=63964771734fbd76e3b40519d1d94a48
vg demo demo --quiet
expect demo "; ok"
# Mesh Profile 8.3.6 (Message #6, two segments), 8.3.24 (Message #24), 8.4.3 and 8.4.5.
vg decode decode --netkey $NETKEY --iv-index 0x12345678 \
    --devkey 9d6dd0e96eb25dc19a40ed9914f8f03f:0x1201 \
    68cab5c5348a230afba8c63d4e686364979deaf4fd40961145939cda0e \
    681615b5dd4a846cae0c032bf0746f44f1b8cc8ce5edc57e55beed49c0
vg encode encode --netkey $NETKEY --iv-index 0x12345677 --seq 0x07080d --src 0x1234 \
    --dst 0x9736 --ttl 3 --appkey $APPKEY --szmic --label f4a002c7fb1e4ca0a469a021de0db875 \
    ea0a00576f726c64
expect encode e8624e65bb8c1794e998b4081f47a35251fdd3896d99e4db489b918599
vg beacon_enc beacon encode --netkey $NETKEY --iv-index 0x12345679 --iv-update
vg beacon_dec beacon decode --netkey $NETKEY 01003ecaff672f673370123456788ea261582f364f6f \
    0070cf7c9732a345b691494810d2e9cbf44020d36b25b8

# A node and the provisioner over the socket bearer, on a port of our own.
AIR=(--port $((20000 + ($$ * 7919) % 30000)))
UUID=6d656d636865636b0000000000000001
"${VG[@]}" "$bin" node --store "$tmp/node" --name memcheck --uuid $UUID --onoff-server \
    "${AIR[@]}" >/dev/null 2>"$tmp/node.log" &
node_pid=$!
runs=$((runs + 1))
for _ in $(seq 300); do
    grep -q "up:" "$tmp/node.log" && break
    kill -0 "$node_pid" 2>/dev/null || fail "blemesh node exited early"
    sleep 0.1
done
grep -q "up:" "$tmp/node.log" || fail "blemesh node did not come up"
DB=$tmp/mesh.json
vg create prov --db "$DB" "${AIR[@]}" create
vg provision prov --db "$DB" "${AIR[@]}" --json provision $UUID --name memcheck
addr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' \
    "$tmp/provision.out")
vg appkey prov --db "$DB" "${AIR[@]}" config "$addr" appkey-add
vg bind prov --db "$DB" "${AIR[@]}" config "$addr" bind onoff-server
vg on prov --db "$DB" "${AIR[@]}" onoff "$addr" on
vg get prov --db "$DB" "${AIR[@]}" --json onoff "$addr" get
expect get '"onoff":1'
vg nodes prov --db "$DB" "${AIR[@]}" nodes
kill -TERM "$node_pid"
rc=0
wait "$node_pid" || rc=$?
node_pid=
[ "$rc" -eq 0 ] || fail "blemesh node (exit $rc under memcheck): $(tail -n 3 "$tmp/node.log")"
vg show node show --store "$tmp/node"
expect show '"provisioned":true'
expect show '"net_key":"\*\*\*"'
echo "memcheck: $runs runs of blemesh under valgrind memcheck, no errors, no definite leaks"
