# wrk runs as bench/reads.sh and bench/growth.sh make them, sourced after bench/lib.sh: one
# run of a GET as a table row (rate, p50, p99, errors, CPU split), and a check that an answer
# succeeds before it is timed. A run reads SIGNET_URL, SIGNET_TOKEN and SERVER_PID, so a script
# with several servers sets them before each.

# wrk prints latencies as 812.00us, 1.84ms or 1.02s: milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
machine_ticks() { awk 'NR == 1 { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 }' /proc/stat; }

# One wrk run of GET $2 at concurrency $3; prints a table row labelled $1. A path of
# `spread:FILE` asks, for each request, the details of a document drawn at random from the
# ids in FILE.
run_wrk() {
    local label=$1 path=$2 c=$3 s0 m0 s1 m1 out target=$SIGNET_URL$2 script=()
    if [[ $path == spread:* ]]; then
        target=$SIGNET_URL
        script=(-s "$WORK/spread.lua")
        export WRK_IDS=${path#spread:}
    fi
    s0=$(ticks_of "$SERVER_PID")
    m0=$(machine_ticks)
    # `times` after wrk prints the subshell's children's CPU: wrk's own.
    out=$(
        wrk -t1 -c"$c" -d"$DURATION" --latency -H "X-Auth-Token: $SIGNET_TOKEN" \
            -H "Content-Type: application/json" "${script[@]}" "$target"
        times
    )
    s1=$(ticks_of "$SERVER_PID")
    m1=$(machine_ticks)
    local secs rate p50 p99 errors wrk_cpu
    secs=$(awk '/requests in/ { sub(/s,?$/, "", $4); print $4 }' <<<"$out")
    rate=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    errors=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) e += $i } END { print e + 0 }' <<<"$out")
    wrk_cpu=$(tail -1 <<<"$out" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); print (u[1] * 60 + u[2]) + (s[1] * 60 + s[2]) }')
    awk -v l="$label" -v c="$c" -v r="$rate" -v p50="$p50" -v p99="$p99" -v e="$errors" \
        -v srv=$((s1 - s0)) -v all=$((m1 - m0)) -v w="$wrk_cpu" -v t="$secs" 'BEGIN {
        printf "| %s | %d | %s | %s | %s | %s | %.0f %% | %.0f %% | %.0f %% |\n",
            l, c, r, p50, p99, e, srv / t, w * 100 / t, (all / 100 - srv / 100 - w) * 100 / t }'
}

cat >"$WORK/spread.lua" <<'EOF'
local ids = {}
for id in io.lines(os.getenv("WRK_IDS")) do ids[#ids + 1] = id end
request = function()
    return wrk.format(nil, "/api/v3.3/document/details?documentId=" .. ids[math.random(#ids)])
end
EOF

# Fails the run unless GET $1 answers status 1.
check_answer() {
    local body
    body=$(curl -sf -H "X-Auth-Token: $SIGNET_TOKEN" "$SIGNET_URL$1")
    [[ $body == *'"status":1'* ]] || { echo "GET $1 did not succeed: ${body:0:300}" >&2; exit 1; }
}
