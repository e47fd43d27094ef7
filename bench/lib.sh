# What the bench scripts share: the backends to run, the release build, a work directory
# cleaned up on exit, a `signet serve` on port 0 (extra SIGNET_* settings come from the
# caller's environment), a throwaway PostgreSQL database, and `settle`. Sourced by
# bench/server.sh, bench/reads.sh, bench/compare.sh, bench/webhooks.sh and bench/plans.sh,
# which set ROOT and PG first and pass their first argument: all (the default), sqlite or
# postgres.

case "${1:-all}" in
    all) BACKENDS="sqlite postgres" ;;
    sqlite | postgres) BACKENDS=$1 ;;
    *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac

# BENCH_PROFILE=debug runs the debug build: to check a script on a busy machine, not to measure.
PROFILE=${BENCH_PROFILE:-release}
if [[ $PROFILE == release ]]; then
    cargo build --release -q -p signet -p signet-load
else
    cargo build -q -p signet -p signet-load
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
WORK=$(mktemp -d)
SERVER_PID=
PG_DB=
cleanup() {
    stop_server
    drop_database
    rm -rf "$WORK"
}
trap cleanup EXIT

stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

drop_database() {
    if [[ -n $PG_DB ]]; then
        psql "$PG/postgres" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
        PG_DB=
    fi
}

# The server binary the scripts run: this checkout's release build unless SIGNET_BIN names
# another (bench/compare.sh sets it per run).
signet_bin() { echo "${SIGNET_BIN:-$BIN/signet}"; }

# Starts `signet serve` on port 0 and sets URL from the line it prints once listening.
start_server() {
    local dir=$1
    RUST_LOG=${RUST_LOG:-warn} "$(signet_bin)" serve --listen 127.0.0.1:0 --data-dir "$dir" \
        >"$dir.out" 2>"$dir.err" &
    SERVER_PID=$!
    for _ in $(seq 300); do
        URL=$(grep -o 'Signet listening on http://[^ ]*' "$dir.out" | head -1 | sed 's/.* on //') || true
        [[ -n $URL ]] && return
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir.err" >&2; exit 1; }
        sleep 0.1
    done
    echo "the server did not start within 30 s" >&2
    exit 1
}

# Creates a throwaway PostgreSQL database for the `postgres` backend and points
# SIGNET_DATABASE_URL at it; SQLite (the default) otherwise. With BENCH_PG_SOCKET (a directory,
# e.g. /var/run/postgresql) the server reaches PostgreSQL through its Unix socket, as README.md
# suggests when both run on one host; the scripts' own psql calls keep BENCH_PG.
use_backend() {
    if [[ $1 == postgres ]]; then
        PG_DB=signet_bench_$$_$RANDOM
        psql "$PG/postgres" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $PG_DB"
        export SIGNET_DATABASE_URL=$PG/$PG_DB${BENCH_PG_SOCKET:+?host=$BENCH_PG_SOCKET}
    else
        unset SIGNET_DATABASE_URL
    fi
}

# A fresh server on backend $2 (sqlite or postgres) with data dir $1, an account, and the
# workflow and document of `signet-load setup`: sets SIGNET_URL and SIGNET_TOKEN (exported for
# signet-load), PROFILE_ID, DOCUMENT_ID and SAMPLE_IRN.
serve_with_document() {
    mkdir -p "$1"
    use_backend "$2"
    start_server "$1"
    SIGNET_TOKEN=$(create_token "$1")
    export SIGNET_URL=$URL SIGNET_TOKEN
    eval "$("$BIN/signet-load" setup)"
}

# An account on the server's database; prints its auth token.
create_token() {
    "$(signet_bin)" account create --name "Bench" --data-dir "$1" |
        sed -n 's/.*"authToken":"\([^"]*\)".*/\1/p'
}

# Prints the answer to SQL $2 on the database of the server whose data dir is $1.
db_query() {
    if [[ -n $PG_DB ]]; then
        psql "$PG/$PG_DB" -tAc "$2"
    else
        sqlite3 "$1/signet.db" "$2"
    fi
}

# Waits until no mail or webhook is pending on the server whose data dir is $1. Every document
# sent mails its invitee, and after a burst of sends (the create runs, a seed) the mailer works
# off the backlog for seconds more (half of a 20,000-document seed was still pending at its
# end): reads timed meanwhile measure that backlog, not the documents stored.
settle() {
    local dir=$1 n
    local q="SELECT (SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending') + \
                    (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending')"
    for _ in $(seq 600); do
        n=$(db_query "$dir" "$q")
        [[ $n == 0 ]] && return
        sleep 1
    done
    echo "the outboxes did not drain within 10 minutes" >&2
}
