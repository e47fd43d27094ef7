#!/usr/bin/env bash
# The list queries under their worst plans: does any read grow with the account?
#
#   bench/plans.sh                    both backends, 100,000 documents (~1 minute each)
#   bench/plans.sh sqlite             one backend: sqlite or postgres
#   BENCH_DOCS=20000 bench/plans.sh   a quicker pass
#
# A query planner picks an index from what it knows of the data, and skewed data misleads it.
# PostgreSQL runs a prepared statement with a generic plan (one that cannot see the values
# bound) once it judges that plan no dearer than planning each time: when every document of an
# account bore one name, the generic plan of the list's name lookup walked the account
# newest-first filtering on the name, and an irn looked up that way read all 100,000 documents
# (362 ms; migration 0010 closed it). SQLite, which Signet runs without statistics, chose to
# walk all completed documents for `completed?irn=`. This script makes those conditions:
#
# 1. a fresh database: SQLite in a temporary data dir, or a throwaway PostgreSQL database on
#    127.0.0.1:5432 with `plan_cache_mode = force_generic_plan` for every connection (whether
#    PostgreSQL picks the generic plan depends on costs; forced, every statement meets it);
# 2. BENCH_DOCS documents inserted in SQL, all named "Loan Agreement", distinct irns, one in
#    BENCH_COMPLETED_EVERY (default 100) COMPLETED and the rest SENT (skewed the way a lending
#    account is), then ANALYZE on PostgreSQL;
# 3. a release `signet serve` on it, and each form of list request timed with curl, warm (the
#    first six requests of each form are not timed: PostgreSQL plans those for their values).
#
# Prints one row per request form: its median and slowest time over BENCH_REPEAT requests.
# Exits 1 if any judged median exceeds BENCH_LIMIT_MS (default 5): a read that walks the
# account. Not judged: `q=` the name every document bears and a name substring
# (`completed?name=`), whose totals must count every match however the rows are found, and
# deep pages (`offset` skips rows one by one, by nature).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DOCS=${BENCH_DOCS:-100000}
REPEAT=${BENCH_REPEAT:-30}
LIMIT_MS=${BENCH_LIMIT_MS:-5}
EVERY=${BENCH_COMPLETED_EVERY:-100}
source "$ROOT/bench/lib.sh" "${1:-all}"

# Only the columns every document must have: nothing here reads a file or an invitation.
# Written for both databases (a recursive count instead of generate_series).
seed_sql() {
    cat <<SQL
INSERT INTO documents (id, account_id, profile_id, name, irn, status, workflow, original_sha256,
                       versions, created_at, completed_at, expires_at, file_key)
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $DOCS)
SELECT 'DOC' || n, '$1', 'PROFILE', 'Loan Agreement', 'LOAN-' || n,
       CASE WHEN n % $EVERY = 0 THEN 'COMPLETED' ELSE 'SENT' END, '{}', '', 1,
       1700000000000 + n, CASE WHEN n % $EVERY = 0 THEN 1700000000000 + n END,
       1900000000000, 'none'
FROM s;
INSERT INTO document_counts (account_id, status, shard, n)
SELECT account_id, status, 0, COUNT(*) FROM documents GROUP BY account_id, status;
SQL
}

failed=0
plans_backend() {
    local backend=$1 dir=$WORK/$1
    mkdir -p "$dir"
    use_backend "$backend"
    local TOKEN ACCOUNT
    if [[ $backend == postgres ]]; then
        psql "$PG/postgres" -v ON_ERROR_STOP=1 -qc \
            "ALTER DATABASE $PG_DB SET plan_cache_mode = force_generic_plan"
        TOKEN=$(create_token "$dir")
        ACCOUNT=$(psql "$PG/$PG_DB" -tAc "SELECT id FROM accounts LIMIT 1")
        { seed_sql "$ACCOUNT"; echo "ANALYZE;"; } | psql "$PG/$PG_DB" -v ON_ERROR_STOP=1 -q
    else
        TOKEN=$(create_token "$dir")
        ACCOUNT=$(sqlite3 "$dir/signet.db" "SELECT id FROM accounts LIMIT 1")
        seed_sql "$ACCOUNT" | sqlite3 "$dir/signet.db"
    fi
    start_server "$dir"

    local mid=$((DOCS / 2)) every_mid=$((DOCS / 2 / EVERY * EVERY))
    local forms=(
        "list|/api/v3.0/sign/request/list"
        "list status=COMPLETED|/api/v3.0/sign/request/list?status=COMPLETED"
        "list status=SENT|/api/v3.0/sign/request/list?status=SENT"
        "q= an irn|/api/v3.0/sign/request/list?q=loan-$mid"
        "q= an id|/api/v3.0/sign/request/list?q=DOC$mid"
        "q= no match|/api/v3.0/sign/request/list?q=nothing-like-it"
        "q= the shared name (not judged)|/api/v3.0/sign/request/list?q=loan%20agreement"
        "q= irn, status=COMPLETED|/api/v3.0/sign/request/list?q=loan-$every_mid&status=COMPLETED"
        "completed|/api/v3.0/document/completed"
        "completed, irn=|/api/v3.0/document/completed?irn=LOAN-$every_mid"
        "completed, name= (not judged)|/api/v3.0/document/completed?name=loan"
    )
    echo "### $backend: $DOCS documents of one name, 1 in $EVERY completed ($(date -u +%F))"
    echo
    echo "| Request | Median ms | Slowest ms | Answer |"
    echo "|---|---|---|---|"
    local form label path times median slowest answer
    for form in "${forms[@]}"; do
        label=${form%%|*} path=${form#*|}
        times=()
        for i in $(seq $((REPEAT + 6))); do
            t=$(curl -s -o "$WORK/answer" -w '%{time_total}' -H "X-Auth-Token: $TOKEN" "$URL$path")
            ((i > 6)) && times+=("$t")
        done
        read -r median slowest < <(printf '%s\n' "${times[@]}" | sort -g |
            awk '{a[NR] = $1} END {printf "%.2f %.2f\n", a[int((NR + 1) / 2)] * 1000, a[NR] * 1000}')
        answer=$(grep -o '"total[A-Za-z]*":[0-9]*' "$WORK/answer" | head -1 || true)
        echo "| $label | $median | $slowest | $answer |"
        if [[ $label != *"not judged"* ]] &&
            awk -v m="$median" -v l="$LIMIT_MS" 'BEGIN {exit !(m > l)}'; then
            echo "  ^ $backend: median above $LIMIT_MS ms, a read that grows with the account" >&2
            failed=1
        fi
    done
    echo
    stop_server
    drop_database
}

for b in $BACKENDS; do
    plans_backend "$b"
done
exit $failed
