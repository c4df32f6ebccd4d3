# Shared by scripts/loadpair and scripts/loadcurve (sourced, not run):
# starting a fresh Vigil for one side of a load run, and the summary line
# of a loadtest result. Expects $out (results folder) and $mode (sqlite or
# postgres) to be set.
export VIGIL_METRICS_TOKEN=loadpair
: "${VIGIL_ONNXRUNTIME_LIB:=$PWD/third_party/onnxruntime/libonnxruntime.so.1}"
: "${VIGIL_VAD_MODEL:=$PWD/third_party/silero/silero_vad_v5.onnx}"
export VIGIL_ONNXRUNTIME_LIB VIGIL_VAD_MODEL
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start NAME BIN PORT: a fresh Vigil for one side; its loadtest flags go
# to OUTDIR/NAME.flags.
start() {
	local name=$1 bin=$2 port=$3 dir="$out/$1"
	rm -rf "$dir" && mkdir -p "$dir"
	local flags=(--data "$dir")
	if [ "$mode" = postgres ]; then
		local db="loadpair_$name"
		psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
		mkdir -p "$dir/s3/vigil"
		local gw
		gw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
		"$gw" --access loadpair --secret loadpair-secret --port "127.0.0.1:$((port + 50))" posix "$dir/s3" >"$dir/s3.log" 2>&1 &
		pids+=($!)
		export VIGIL_S3_ACCESS_KEY=loadpair VIGIL_S3_SECRET_KEY=loadpair-secret
		flags+=(--database-url "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
			--blob-url "s3://127.0.0.1:$((port + 50))/vigil?tls=false")
	fi
	"$bin" migrate "${flags[@]}" >/dev/null
	# SERVE_NODES=n starts n `vigil serve` on the one database and media
	# store (PORT, PORT+2, …; PORT+1 is the worker's): OUTDIR/NAME.targets
	# lists them for loadtest --target, NAME/serve.pid their process IDs.
	local targets=() node_port
	: >"$dir/serve.pid"
	for node in $(seq "${SERVE_NODES:-1}"); do
		node_port=$((port + 2 * (node - 1)))
		# shellcheck disable=SC2086
		"$bin" serve "${flags[@]}" --addr "127.0.0.1:$node_port" ${SERVE_FLAGS:-} >"$dir/serve$node.log" 2>&1 &
		pids+=($!)
		echo $! >>"$dir/serve.pid"
		targets+=("http://127.0.0.1:$node_port")
	done
	(IFS=,; echo "${targets[*]}") >"$out/$name.targets"
	# LOAD_WORK=no leaves the analysis out: the ingest node alone, its
	# workers being other machines (jobs wait in the queue).
	if [ "$mode" = postgres ] && [ "${LOAD_WORK:-yes}" != no ]; then
		"$bin" work "${flags[@]}" --addr "127.0.0.1:$((port + 1))" >"$dir/work.log" 2>&1 &
		pids+=($!)
	fi
	for t in "${targets[@]}"; do
		for _ in $(seq 100); do curl -sf "$t/healthz" >/dev/null && break; sleep 0.2; done
	done
	echo "${flags[@]}" >"$out/$name.flags"
}

# summary NAME...: one tab-separated line per result OUTDIR/NAME.json,
# under a header.
summary() {
	for side in "$@"; do
		jq -r --arg side "$side" '[$side, .students, .uploads.p50_ms, .uploads.p99_ms, .kinds.frame.p99_ms, .hold.uploads_per_second,
			(.server.hold_cores // 0), (.server.cpu_ms_per_upload // 0), ([.errors[]] | add // 0),
			.check.lost, .check.duplicated, .sessions.finished, (.server.frames_per_analysis_cpu_second // 0)] | @tsv' "$out/$side.json"
	done | (echo -e "side\tstudents\tp50_ms\tp99_ms\tframe_p99_ms\tuploads/s\tcores\tcpu_ms/upload\tfailed_attempts\tlost\tdup\tfinished\tanalysis_frames/cpu_s"; cat)
}
