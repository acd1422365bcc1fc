# CMake toolchain file: bare-metal Cortex-M with Debian's gcc-arm-none-eabi.
# Used by bench/footprint (make size-check). BM_CPU picks the core
# (cortex-m0plus, cortex-m4); images link with newlib-nano and no startup
# files, so only what the configuration's main reaches is kept.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(BM_CPU cortex-m4 CACHE STRING "Cortex-M core: cortex-m0plus or cortex-m4")
set(CMAKE_C_FLAGS_INIT "-mcpu=${BM_CPU} -mthumb -Os -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-mcpu=${BM_CPU} -mthumb -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
