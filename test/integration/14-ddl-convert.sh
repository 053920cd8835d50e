#!/bin/bash
# `muster ddl convert` on the build's muster command: an MCollective Ruby
# DDL (choria-plugins' filemgr) becomes JSON that jq reads and that
# `muster help` renders from MUSTER_DDL_PATH; stdout and -o agree; a DDL
# outside the subset is refused with FILE:LINE and nothing is written.
# Needs no broker.
# shellcheck source=test/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MUSTER=$MUSTER_BUILD/client/cli/muster
RUBY=$MST_ROOT/test/data/ddl/choria/ruby/filemgr.ddl
mkdir -p "$T/ddl"

step "convert writes a JSON DDL jq reads, with the Ruby file's actions"
assert_exit 0 "$MUSTER" ddl convert "$RUBY" -o "$T/ddl/filemgr.json"
jq -e '.metadata.name == "filemgr" and ([.actions[].action] | sort) ==
       ["remove", "status", "touch"] and
       .actions[0].input.file.optional == true' "$T/ddl/filemgr.json" >/dev/null ||
    fail "converted DDL is not what filemgr.ddl says: $(cat "$T/ddl/filemgr.json")"

step "stdout and -o give the same document"
assert_exit 0 "$MUSTER" ddl convert "$RUBY"
assert_eq "$(jq -S . "$T/ddl/filemgr.json")" "$(jq -S . <<<"$OUT")"

step "muster help renders the converted DDL from MUSTER_DDL_PATH"
write_client_cfg
MUSTER_DDL_PATH=$T/ddl assert_exit 0 muster_cmd help filemgr
assert_contains "$OUT" "File Manager"
assert_contains "$OUT" "touch"
MUSTER_DDL_PATH=$T/ddl assert_exit 0 muster_cmd help
assert_contains "$OUT" "filemgr"

step "Ruby outside the subset: exit 1, FILE:LINE, no output file"
printf '# a DDL\naction "a", :description => File.read("x") do\nend\n' >"$T/bad.ddl"
assert_exit 1 "$MUSTER" ddl convert "$T/bad.ddl" -o "$T/ddl/bad.json"
assert_contains "$ERR" "$T/bad.ddl:2: 'File' not understood"
[ ! -e "$T/ddl/bad.json" ] || fail "a refused conversion wrote $T/ddl/bad.json"
assert_exit 2 "$MUSTER" ddl convert
