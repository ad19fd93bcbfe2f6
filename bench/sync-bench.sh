#!/usr/bin/env bash
# Directory sync benchmark: a throwaway slapd (cn=config with the ENT schema, mdb, syncprov
# with a session log, a read-only sync account without limits; the same set-up as
# directory-sync/src/testing.rs) loaded with `ent directory generate --scale F`, then
# `ent sync` into a fresh SQLite file and/or a fresh PostgreSQL database, each run under
# /usr/bin/time -v (wall time, peak RSS). Optionally 100 changes through ldapmodify and an
# incremental (RFC 4533) sync on each backend.
#
#   bench/sync-bench.sh [--scale F] [--backends sqlite,postgres] [--no-incremental]
#                       [--ldif FILE] [--timeout SECS] [--keep] [--ent PATH]
#
# Needs slapd, slapadd, ldap-utils, /usr/bin/time; for postgres, psql and a server on
# 127.0.0.1:5432 where user postgres may create databases (PGHOST/PGPORT/PGUSER override).
# Prints one "RESULT" line per case; logs stay in the work folder with --keep.
set -euo pipefail

SCALE=1
BACKENDS=sqlite,postgres
INCREMENTAL=1
LDIF=
TIMEOUT=600
KEEP=0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENT=$ROOT/target/release/ent
BASE_DN=dc=ent,dc=bench
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

while [ $# -gt 0 ]; do
    case $1 in
        --scale) SCALE=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --no-incremental) INCREMENTAL=0; shift ;;
        --ldif) LDIF=$2; shift 2 ;;   # an LDIF made by `ent directory generate --base-dn dc=ent,dc=bench`
        --timeout) TIMEOUT=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --ent) ENT=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

for tool in slapd slapadd slappasswd ldapsearch ldapmodify; do
    command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "missing $tool (apt-get install slapd ldap-utils)" >&2; exit 1; }
done
export PATH=$PATH:/usr/sbin
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -x "$ENT" ] || { echo "missing $ENT (cargo build --release -p ent)" >&2; exit 1; }
MODULES=$(for d in /usr/lib/ldap /usr/lib64/openldap /usr/lib/openldap /usr/libexec/openldap; do
    [ -e $d/back_mdb.so ] || [ -e $d/back_mdb.la ] && { echo $d; break; }; done)
SCHEMAS=$(for d in /etc/ldap/schema /etc/openldap/schema; do [ -e $d/inetorgperson.ldif ] && { echo $d; break; }; done)

WORK=$(mktemp -d /tmp/ent-sync-bench.XXXXXX)
SLAPD_PID=
PG_DBS=()
cleanup() {
    set +e
    if [ -n "$SLAPD_PID" ]; then
        kill -TERM "$SLAPD_PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$SLAPD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$SLAPD_PID" 2>/dev/null
    fi
    for db in "${PG_DBS[@]}"; do psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null; done
    if [ $KEEP = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date +%T)] $*" >&2; }
secret() { head -c 18 /dev/urandom | base64 | tr '+/' 'xx'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# utime+stime of a process, in seconds.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' /proc/$1/stat 2>/dev/null || echo 0; }

ADMIN_DN="cn=admin,$BASE_DN"
SYNC_DN="cn=dirsync,ou=system,$BASE_DN"
ADMIN_PW=$(secret); SYNC_PW=$(secret)
printf %s "$SYNC_PW" > "$WORK/sync-password"
mkdir -p "$WORK"/{slapd.d,data,run}

# --- data --------------------------------------------------------------------------------
if [ -z "$LDIF" ]; then
    LDIF=$WORK/data.ldif
    t0=$(now)
    "$ENT" directory generate --scale "$SCALE" --base-dn "$BASE_DN" --output "$LDIF" >&2
    log "generated $LDIF in $(elapsed $t0 "$(now)") s ($(du -h "$LDIF" | cut -f1))"
fi
PEOPLE=$(grep -c '^objectClass: ENTPerson$' "$LDIF")
ENTRIES=$(grep -c '^dn: ' "$LDIF")

# --- cn=config (as directory-sync/src/testing.rs config_ldif, with sessionlog) ---------------
{
    printf 'dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: %s\nolcArgsFile: %s\n' "$WORK/run/slapd.pid" "$WORK/run/slapd.args"
    printf 'olcLogLevel: none\nolcToolThreads: 2\n\n'
    printf 'dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\nolcModulePath: %s\nolcModuleLoad: {0}back_mdb\nolcModuleLoad: {1}syncprov\n\n' "$MODULES"
    printf 'dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n'
    for s in core cosine inetorgperson; do printf '\ninclude: file://%s/%s.ldif\n' "$SCHEMAS" $s; done
    echo; sed -e '/^#/d' "$ROOT/directory-sync/schema/ent-sdet.ldif"; echo
    printf 'dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\nolcAccess: {0}to dn.base="" by * read\nolcAccess: {1}to dn.base="cn=Subschema" by * read\n\n'
    printf 'dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {0}config\nolcAccess: {0}to * by * none\n\n'
    printf 'dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\nolcDatabase: {1}mdb\nolcSuffix: %s\nolcDbDirectory: %s\n' "$BASE_DN" "$WORK/data"
    printf 'olcRootDN: %s\nolcRootPW: %s\nolcDbMaxSize: %s\nolcDbNoSync: TRUE\n' "$ADMIN_DN" "$(slappasswd -s "$ADMIN_PW")" $((8 << 30))
    for i in objectClass entryUUID entryCSN uid ENTPersonJointure; do printf 'olcDbIndex: %s eq\n' $i; done
    printf 'olcLimits: {0}dn.exact="%s" size=unlimited time=unlimited\n' "$SYNC_DN"
    printf 'olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none\n'
    printf 'olcAccess: {1}to * by dn.exact="%s" read by self read by * none\n\n' "$SYNC_DN"
    printf 'dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\nobjectClass: olcSyncProvConfig\nolcOverlay: {0}syncprov\nolcSpCheckpoint: 100 10\nolcSpSessionlog: 1000\n'
} > "$WORK/config.ldif"
slapadd -n0 -F "$WORK/slapd.d" -l "$WORK/config.ldif" >"$WORK/slapadd-config.log" 2>&1 \
    || { cat "$WORK/slapadd-config.log" >&2; exit 1; }

printf 'dn: ou=system,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: system\n\ndn: %s\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: dirsync\ndescription: read-only account of the directory sync\nuserPassword: %s\n' \
    "$BASE_DN" "$SYNC_DN" "$(slappasswd -s "$SYNC_PW")" > "$WORK/system.ldif"
t0=$(now)
/usr/bin/time -v -o "$WORK/slapadd.time" slapadd -q -w -b "$BASE_DN" -F "$WORK/slapd.d" -l "$LDIF" >"$WORK/slapadd.log" 2>&1 \
    || { cat "$WORK/slapadd.log" >&2; exit 1; }
slapadd -q -w -b "$BASE_DN" -F "$WORK/slapd.d" -l "$WORK/system.ldif" >>"$WORK/slapadd.log" 2>&1
SLAPADD_S=$(elapsed $t0 "$(now)")
log "slapadd of $ENTRIES entries ($PEOPLE people): $SLAPADD_S s"
echo "RESULT case=slapadd scale=$SCALE entries=$ENTRIES people=$PEOPLE wall_s=$SLAPADD_S"

# --- slapd ------------------------------------------------------------------------------
for _ in $(seq 20); do
    PORT=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$PORT" | grep -q . || break
done
URL=ldap://127.0.0.1:$PORT
slapd -d none -h "$URL/" -F "$WORK/slapd.d" </dev/null >"$WORK/slapd.log" 2>&1 &
SLAPD_PID=$!
for _ in $(seq 150); do
    ldapsearch -x -LLL -H "$URL" -s base -b "" namingContexts >/dev/null 2>&1 && break
    kill -0 $SLAPD_PID 2>/dev/null || { cat "$WORK/slapd.log" >&2; exit 1; }
    sleep 0.2
done
log "slapd $SLAPD_PID on $URL"

# --- orientation: slapd's own paged read of all people ---------------------------------
t0=$(now); c0=$(cpu_of $SLAPD_PID)
n=$(ldapsearch -x -LLL -H "$URL" -D "$SYNC_DN" -y "$WORK/sync-password" -b "$BASE_DN" -E pr=500/noprompt \
    '(objectClass=ENTPerson)' 2>/dev/null | grep -c '^dn: ' || true)
ORIENT_S=$(elapsed $t0 "$(now)")
echo "RESULT case=ldapsearch-paged scale=$SCALE people=$n wall_s=$ORIENT_S slapd_cpu_s=$(elapsed $c0 "$(cpu_of $SLAPD_PID)")"

# --- sync runs --------------------------------------------------------------------------
cat > "$WORK/sync.toml" <<EOF
preset = "sdet"

[source]
name = "bench"
url = "$URL"
bind_dn = "$SYNC_DN"
bind_password_file = "$WORK/sync-password"
base_dn = "$BASE_DN"
page_size = 500

[policy]
max_departed_share = 0.10
EOF

declare -A DB_URL
IFS=, read -ra BACKEND_LIST <<< "$BACKENDS"
for b in "${BACKEND_LIST[@]}"; do
    case $b in
        sqlite) DB_URL[$b]="sqlite://$WORK/idp.db" ;;
        postgres)
            db=ent_bench_sync_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
            psql -q -d postgres -c "CREATE DATABASE $db" >/dev/null
            PG_DBS+=("$db")
            DB_URL[$b]="postgres://$PGUSER@$PGHOST:$PGPORT/$db" ;;
        *) echo "unknown backend $b" >&2; exit 2 ;;
    esac
done

# run_sync CASE BACKEND [ent sync options…]
run_sync() {
    local case=$1 b=$2; shift 2
    local tag=$case-$b
    log "$tag: ent sync $*"
    local c0; c0=$(cpu_of $SLAPD_PID)
    # A sampler: RSS and CPU of ent and slapd every 10 s (to see where the time goes).
    ( while sleep 10; do
        p=$(pgrep -f "^$ENT sync --config $WORK/sync.toml" | head -n 1 || true)
        echo "$(date +%T) ent[$p] $(ps -o rss=,time= -p "${p:-1}" 2>/dev/null | tr -s ' ') slapd $(ps -o rss=,time=,%cpu= -p $SLAPD_PID | tr -s ' ')"
      done ) > "$WORK/$tag.samples" 2>&1 &
    local sampler=$!
    local rc=0
    /usr/bin/time -v -o "$WORK/$tag.time" timeout --signal=INT "$TIMEOUT" \
        "$ENT" sync --config "$WORK/sync.toml" --database-url "${DB_URL[$b]}" --report "$WORK/$tag.json" "$@" \
        >"$WORK/$tag.out" 2>&1 || rc=$?
    kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
    local wall rss summary
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$WORK/$tag.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$WORK/$tag.time")
    local user sys
    user=$(awk -F': ' '/User time/ { print $2 }' "$WORK/$tag.time"); sys=$(awk -F': ' '/System time/ { print $2 }' "$WORK/$tag.time")
    summary=$(tail -n 1 "$WORK/$tag.out")
    local rate_name=people_per_s rate_n=$PEOPLE
    [ "$case" = full ] || { rate_name=changes_per_s; rate_n=100; }
    echo "RESULT case=$case backend=$b scale=$SCALE people=$PEOPLE rc=$rc wall_s=$wall peak_rss_mb=$rss ent_cpu_s=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}') slapd_cpu_s=$(elapsed $c0 "$(cpu_of $SLAPD_PID)") $rate_name=$(awk -v n="$rate_n" -v w="$wall" 'BEGIN{ if (w > 0) printf "%.0f", n / w }')"
    echo "  summary: $summary"
    if [ $rc != 0 ]; then
        echo "  (exit $rc; 124 = stopped after ${TIMEOUT}s) last output:"; tail -n 5 "$WORK/$tag.out" | sed 's/^/    /'
        echo "  samples:"; tail -n 6 "$WORK/$tag.samples" | sed 's/^/    /'
    fi
}

for b in "${BACKEND_LIST[@]}"; do run_sync full "$b"; done

[ $INCREMENTAL = 1 ] || exit 0

# --- 100 changes: 60 modifies (displayName/sn), 20 adds, 10 deletes, 10 class moves ------
ldif_value() {  # the value of attribute $2 in the entry block $1 (base64 decoded)
    awk -v a="$2" 'BEGIN { IGNORECASE = 0 } { if (sub(/^ /, "")) { v = v $0; next } if (k != "") { print k "\t" v; k = "" }
        if (index($0, a ": ") == 1) { k = "p"; v = substr($0, length(a) + 3) } else if (index($0, a ":: ") == 1) { k = "b"; v = substr($0, length(a) + 4) } }
        END { if (k != "") print k "\t" v }' <<< "$1" | head -n 1 | { IFS=$'\t' read -r k v; if [ "$k" = b ]; then base64 -d <<< "$v"; else printf %s "$v"; fi; }
}
CHANGES=$WORK/changes.ldif
# Pupils, each block on one line (folds joined), in file order; pick spread-out ones.
awk 'BEGIN { RS = ""; FS = "\n" } /\nobjectClass: ENTEleve\n/ { gsub(/\n /, ""); gsub(/\n/, "\x1f"); print }' "$LDIF" > "$WORK/pupils.txt"
NP=$(wc -l < "$WORK/pupils.txt")
pick() { sed -n "$(( ($1 * 7919) % NP + 1 ))p" "$WORK/pupils.txt" | tr '\037' '\n'; }
{
    for i in $(seq 1 60); do
        e=$(pick $i); dn=$(ldif_value "$e" dn)
        printf 'dn: %s\nchangetype: modify\nreplace: sn\nsn: Renamed%d\n-\nreplace: displayName\ndisplayName: Bench Renamed%d\n-\n\n' "$dn" $i $i
    done
    for i in $(seq 61 80); do   # a new pupil in the class and school of an existing one
        e=$(pick $i)
        school=$(ldif_value "$e" ENTPersonStructRattach); class=$(ldif_value "$e" ENTEleveClasses)
        u=$(cat /proc/sys/kernel/random/uuid)
        printf 'dn: uid=bench.new%d,ou=people,%s\nchangetype: add\nobjectClass: top\nobjectClass: inetOrgPerson\nobjectClass: ENTPerson\nobjectClass: ENTEleve\nuid: bench.new%d\ncn: Nouvel Eleve%d\nsn: Eleve%d\ngivenName: Nouvel\ndisplayName: Nouvel Eleve%d\nENTPersonJointure: %s\nENTPersonLogin: bench.new%d\nENTPersonProfils: National_ELV\nENTPersonStructRattach: %s\nENTEleveClasses: %s\n\n' \
            $i "$BASE_DN" $i $i $i $i "$u" $i "$school" "$class"
    done
    for i in $(seq 81 90); do
        e=$(pick $i); printf 'dn: %s\nchangetype: delete\n\n' "$(ldif_value "$e" dn)"
    done
    for i in $(seq 91 100); do  # to another class of the same school (and its member lists)
        e=$(pick $i); dn=$(ldif_value "$e" dn); class=$(ldif_value "$e" ENTEleveClasses)
        uai=${class#cn=}; uai=${uai%%-*}
        other=$(grep -m 20 "^dn: cn=$uai-" "$LDIF" | sed 's/^dn: //' | grep -vxF "$class" | head -n 1)
        [ -n "$other" ] || continue
        printf 'dn: %s\nchangetype: modify\nreplace: ENTEleveClasses\nENTEleveClasses: %s\n-\n\n' "$dn" "$other"
        printf 'dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n-\n\n' "$class" "$dn"
        printf 'dn: %s\nchangetype: modify\nadd: member\nmember: %s\n-\n\n' "$other" "$dn"
    done
} > "$CHANGES"
t0=$(now)
ldapmodify -x -H "$URL" -D "$ADMIN_DN" -w "$ADMIN_PW" -f "$CHANGES" >"$WORK/ldapmodify.log" 2>&1 \
    || { tail "$WORK/ldapmodify.log" >&2; exit 1; }
log "applied $(grep -c '^dn: ' "$CHANGES") change records (100 changes) in $(elapsed $t0 "$(now)") s"

for b in "${BACKEND_LIST[@]}"; do run_sync incremental "$b"; done
