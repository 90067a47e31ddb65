# Toolchain for the import-free WebAssembly build: clang --target=wasm32,
# no libc (wasm/libc.c and wasm/heap.c stand in), compiler-rt builtins for
# the __int128 helpers (__multi3, __divti3, ...), an explicit 1 MiB stack
# (wasm-ld's default is 64 KiB, too small for deep-but-limited recursion),
# placed first so that an overflow traps instead of overwriting data.
#   cmake -S . -B build/wasm -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-toolchain.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(TALLY_WASM ON CACHE BOOL "" FORCE)

find_program(TALLY_WASM_CLANG NAMES clang clang-14 clang-15 clang-16 REQUIRED)
set(CMAKE_C_COMPILER ${TALLY_WASM_CLANG})
set(CMAKE_C_COMPILER_TARGET wasm32-unknown-unknown)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TALLY_WASM_STACK_SIZE 1048576 CACHE STRING "wasm stack size in bytes")
set(CMAKE_C_FLAGS_INIT "-ffreestanding -nostdlib -mbulk-memory -fvisibility=hidden")
set(CMAKE_EXE_LINKER_FLAGS_INIT
  "-nostdlib -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=${TALLY_WASM_STACK_SIZE} -Wl,--strip-debug -Wl,--gc-sections")

# compiler-rt's wasm32 builtins (Debian: libclang-rt-<v>-dev-wasm32).
file(GLOB _rt
  /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a
  /usr/lib/llvm-*/lib/clang/*/lib/libclang_rt.builtins-wasm32.a
  /usr/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a)
if(NOT _rt)
  message(FATAL_ERROR "libclang_rt.builtins-wasm32.a not found (install libclang-rt-14-dev-wasm32)")
endif()
list(GET _rt 0 _rt0)
set(TALLY_WASM_BUILTINS ${_rt0} CACHE FILEPATH "compiler-rt builtins for wasm32")
