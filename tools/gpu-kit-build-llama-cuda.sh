#!/usr/bin/env bash
# Builds llama.cpp's llama-bench with CUDA from the GPU kit's trimmed source (llama-cuda-src.tar.xz,
# made by tools/gpu-kit-llama-src.mjs from node-llama-cpp's bundled llama.cpp release), for
# `apr bench --gpu --cmp llama` on the device machine. Copied into the kit as build-llama-cuda.sh;
# run.sh runs it as the `build-llama` step (see tools/gpu-kit.md).
#
#   bash build-llama-cuda.sh [--configure-only] [--force]
#
# Output (an ignored folder of the checkout, so the next call on a warm machine finds it):
#   $GPU_KIT_LLAMA_DIR (default <checkout>/.cache/gpu-kit/llama-cuda)/
#     src/ build/ bin/llama-bench build-info.json
# Idempotent: exits at once when bin/llama-bench exists for this tarball (--force rebuilds).
# Options that trim CUDA compile time: one architecture (CMAKE_CUDA_ARCHITECTURES=90, override with
# GPU_KIT_CUDA_ARCH), no FlashAttention kernels (GGML_CUDA_FA=OFF: apr bench passes -fa 0 anyway;
# GPU_KIT_LLAMA_FA=1 builds them for f16 K/V only), no fatbin compression, no NCCL, no ccache, and the
# one target. GPU_KIT_NVCC picks the compiler (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc).
# Exit codes: 0 built (or already there), 1 the build failed, 2 usage, 3 no CUDA compiler (nvcc),
# cmake or cuBLAS here.
set -u
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARBALL="$KIT/llama-cuda-src.tar.xz"
DEST="${GPU_KIT_LLAMA_DIR:-$(dirname "$KIT")/.cache/gpu-kit/llama-cuda}"
ARCH="${GPU_KIT_CUDA_ARCH:-90}"
CONFIGURE_ONLY=0
FORCE=0
for a in "$@"; do
  case "$a" in
    --configure-only) CONFIGURE_ONLY=1 ;;
    --force) FORCE=1 ;;
    *) echo "build-llama: unknown argument '$a' (usage: build-llama-cuda.sh [--configure-only] [--force])"; exit 2 ;;
  esac
done
say() { echo "build-llama: $*"; }

[ -f "$TARBALL" ] || { say "no $TARBALL in the kit (rebuild the kit: pnpm gpu-kit)"; exit 2; }
STAMP="$(sha256sum "$TARBALL" | cut -c1-16) arch=$ARCH fa=${GPU_KIT_LLAMA_FA:-0}"
if [ $FORCE -eq 0 ] && [ $CONFIGURE_ONLY -eq 0 ] && [ -x "$DEST/bin/llama-bench" ] && [ "$(cat "$DEST/bin/stamp" 2>/dev/null)" = "$STAMP" ]; then
  say "already built: $DEST/bin/llama-bench ($STAMP); --force rebuilds"
  exit 0
fi

# The CUDA compiler: GPU_KIT_NVCC, else on PATH, else the toolkit's usual place.
if [ -n "${GPU_KIT_NVCC:-}" ]; then NVCC="$GPU_KIT_NVCC"
else
  NVCC="$(command -v nvcc 2>/dev/null || true)"
  [ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
fi
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then
  say "no CUDA compiler: nvcc is ${NVCC:+not executable at $NVCC, and }neither on PATH nor at /usr/local/cuda/bin/nvcc; llama-bench cannot be built with CUDA here"
  exit 3
fi
# A wrapper script (`exec /usr/local/cuda-X/bin/nvcc "$@"`) hides the toolkit: use the real compiler.
if head -c2 "$NVCC" | grep -q '#!'; then
  REAL="$(grep -o '/[^" ]*/bin/nvcc' "$NVCC" | head -1)"
  [ -n "$REAL" ] && [ -x "$REAL" ] && NVCC="$REAL"
fi
NVCC="$(readlink -f "$NVCC")"
export PATH="$(dirname "$NVCC"):$PATH"
command -v cmake >/dev/null 2>&1 || { say "no cmake here (llama.cpp needs cmake >= 3.18)"; exit 3; }
say "nvcc: $("$NVCC" --version | tail -1); $(cmake --version | head -1); $(c++ --version 2>/dev/null | head -1)"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  say "GPU: $(nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader 2>/dev/null | head -1) (building for sm_$ARCH)"
else
  say "no CUDA driver/GPU visible (nvidia-smi fails): the build still works, llama-bench will not run here"
fi

# cuBLAS: ggml-cuda links it. A compiler-only toolkit lacks it; then take the one of Python's
# nvidia-cublas wheel (the device image's PyTorch ships it) or of GPU_KIT_CUBLAS_ROOT, by full path.
TK="$(cd "$(dirname "$NVCC")/.." && pwd)"
CUBLAS_FLAGS=()
if ! ls "$TK"/include/cublas_v2.h "$TK"/targets/*/include/cublas_v2.h >/dev/null 2>&1; then
  ROOTS=()
  [ -n "${GPU_KIT_CUBLAS_ROOT:-}" ] && ROOTS+=("$GPU_KIT_CUBLAS_ROOT")
  while IFS= read -r d; do [ -n "$d" ] && ROOTS+=("$d"); done < <(python3 -c 'import nvidia; print("\n".join(nvidia.__path__))' 2>/dev/null)
  HDR=""; LIB=""; LIBLT=""
  if [ ${#ROOTS[@]} -gt 0 ]; then
    HDR="$(find "${ROOTS[@]}" -name cublas_v2.h 2>/dev/null | head -1)"
    LIB="$(find "${ROOTS[@]}" -name 'libcublas.so*' 2>/dev/null | sort | head -1)"
    LIBLT="$(find "${ROOTS[@]}" -name 'libcublasLt.so*' 2>/dev/null | sort | head -1)"
  fi
  if [ -z "$HDR" ] || [ -z "$LIB" ] || [ -z "$LIBLT" ]; then
    say "no cuBLAS: the CUDA toolkit at $TK has no cublas_v2.h and no Python nvidia-cublas package was found (searched: ${ROOTS[*]:-none}); llama.cpp's CUDA backend needs cuBLAS (set GPU_KIT_CUBLAS_ROOT to a folder holding cublas_v2.h and libcublas*.so*)"
    exit 3
  fi
  # Only the cuBLAS headers go on the include path: the wheel's folder may also hold CUDA runtime
  # headers of another version than this nvcc's, which must not shadow the toolkit's.
  INC="$DEST/cublas-include"
  rm -rf "$INC" && mkdir -p "$INC"
  ln -s "$(dirname "$HDR")"/cublas*.h "$INC/"
  say "cuBLAS from $(dirname "$(dirname "$HDR")"): $(basename "$LIB"), $(basename "$LIBLT"), headers $(ls "$INC" | tr '\n' ' ')"
  CUBLAS_FLAGS=("-DCUDA_cublas_LIBRARY=$LIB" "-DCUDA_cublasLt_LIBRARY=$LIBLT" "-DCMAKE_CUDA_FLAGS=-I$INC" "-DCMAKE_CXX_FLAGS=-I$INC" "-DCMAKE_C_FLAGS=-I$INC")
fi

# The driver library: ggml-cuda links libcuda for its virtual-memory pool (VMM). CMake looks for an
# unversioned libcuda.so (the toolkit's stubs); the device has the driver's libcuda.so.1 elsewhere.
DRIVER_FLAGS=()
if ! ls "$TK"/lib64/stubs/libcuda.so "$TK"/targets/*/lib/stubs/libcuda.so >/dev/null 2>&1; then
  LIBCUDA="$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*/libcuda\.so\.1$'; ls /usr/local/nvidia/lib64/libcuda.so.1 /usr/lib/x86_64-linux-gnu/libcuda.so.1 /usr/lib64/libcuda.so.1 2>/dev/null) | head -1)"
  if [ -n "$LIBCUDA" ]; then
    DRIVER_FLAGS=("-DCUDA_cuda_driver_LIBRARY=$LIBCUDA")
    say "driver library: $LIBCUDA"
  else
    DRIVER_FLAGS=(-DGGML_CUDA_NO_VMM=ON)
    say "no libcuda.so here (no driver, no toolkit stubs): building with GGML_CUDA_NO_VMM=ON (ggml's legacy memory pool)"
  fi
fi

mkdir -p "$DEST"
SRC="$DEST/src"
if [ "$(cat "$SRC/.stamp" 2>/dev/null)" != "$STAMP" ]; then
  rm -rf "$SRC" "$DEST/build" "$DEST/unpack"
  mkdir -p "$DEST/unpack"
  if command -v xz >/dev/null 2>&1; then tar -C "$DEST/unpack" -xJf "$TARBALL"
  else python3 -c 'import lzma,sys,tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1])).extractall(sys.argv[2])' "$TARBALL" "$DEST/unpack"; fi
  mv "$DEST/unpack/llama.cpp" "$SRC" && rmdir "$DEST/unpack"
  [ -f "$SRC/CMakeLists.txt" ] || { say "unpacking $TARBALL failed"; exit 1; }
  echo "$STAMP" > "$SRC/.stamp"
fi
say "source: $(tr -d '\n' < "$SRC/APR-GPU-KIT.json" | sed 's/"trimmed":.*//') in $SRC"

# GGML_CUDA_FA_QUANTS=f16-f16 also with FA off: the vec-kernel instance files are still compiled (as stubs).
FA_FLAGS=(-DGGML_CUDA_FA=OFF -DGGML_CUDA_FA_QUANTS=f16-f16)
[ "${GPU_KIT_LLAMA_FA:-0}" = 1 ] && FA_FLAGS=(-DGGML_CUDA_FA=ON -DGGML_CUDA_FA_QUANTS=f16-f16)
FLAGS=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
  -DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$ARCH" "-DCMAKE_CUDA_COMPILER=$NVCC" -DGGML_NATIVE=OFF
  # GGML_NATIVE=OFF leaves the CPU backend (embedding rows, anything not offloaded) without SIMD: name AVX2-era x86-64.
  -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
  "${FA_FLAGS[@]}" -DGGML_CUDA_COMPRESSION_MODE=none -DGGML_CUDA_NCCL=OFF -DGGML_CCACHE=OFF
  -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_RPC=OFF -DGGML_BLAS=OFF
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_OPENSSL=OFF -DLLAMA_TOOLS_INSTALL=OFF
  "${CUBLAS_FLAGS[@]}" "${DRIVER_FLAGS[@]}"
)
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
BUILD="$DEST/build"
t0=$(date +%s)
# A changed compiler makes CMake drop its cache and re-configure without our -D flags: start clean
# whenever the flags differ from the last configure.
[ "$(cat "$BUILD/.apr-flags" 2>/dev/null)" = "${FLAGS[*]}" ] || rm -rf "$BUILD"
say "cmake -S $SRC -B $BUILD ${GEN[*]} ${FLAGS[*]}"
if ! cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" "${FLAGS[@]}" > "$DEST/configure.log" 2>&1; then
  tail -40 "$DEST/configure.log"
  say "configure FAILED after $(( $(date +%s) - t0 )) s (full log: $DEST/configure.log)"
  exit 1
fi
echo "${FLAGS[*]}" > "$BUILD/.apr-flags"
grep -E 'CUDA Toolkit found|CMAKE_CUDA_ARCHITECTURES|Including .* backend|CPU backend variant|FlashAttention|CUDA host compiler|The CUDA compiler' "$DEST/configure.log"
say "configured in $(( $(date +%s) - t0 )) s"
if [ $CONFIGURE_ONLY -eq 1 ]; then
  say "--configure-only: not building ($(grep -c '\.cu' "$BUILD/build.ninja" 2>/dev/null || echo '?') .cu mentions in the build graph)"
  exit 0
fi

JOBS="${GPU_KIT_JOBS:-$(nproc)}"
t1=$(date +%s)
say "building llama-bench with $JOBS jobs ..."
if ! cmake --build "$BUILD" --config Release --target llama-bench -j "$JOBS" > "$DEST/build.log" 2>&1; then
  grep -E 'error|Error' "$DEST/build.log" | head -30
  tail -20 "$DEST/build.log"
  say "build FAILED after $(( $(date +%s) - t1 )) s (full log: $DEST/build.log)"
  exit 1
fi
BUILD_S=$(( $(date +%s) - t1 ))
BIN="$BUILD/bin/llama-bench"
[ -x "$BIN" ] || { say "cmake finished but $BIN is missing"; exit 1; }
mkdir -p "$DEST/bin"
cp "$BIN" "$DEST/bin/llama-bench.partial" && mv "$DEST/bin/llama-bench.partial" "$DEST/bin/llama-bench"
echo "$STAMP" > "$DEST/bin/stamp"
printf '{"source":%s,"arch":"%s","flags":"%s","buildSeconds":%s,"nvcc":"%s","date":"%s"}\n' \
  "$(tr -d '\n' < "$SRC/APR-GPU-KIT.json" | sed 's/,"trimmed":.*/}/; s/, *"trimmed":.*/}/')" "$ARCH" "${FLAGS[*]}" "$BUILD_S" \
  "$("$NVCC" --version | tail -1)" "$(date -u +%FT%TZ)" > "$DEST/build-info.json"
say "built $DEST/bin/llama-bench in $BUILD_S s (configure + build $(( $(date +%s) - t0 )) s)"
ldd "$DEST/bin/llama-bench" | grep -E 'cuda|cublas' | sed 's/^/build-llama:   /'
exit 0
