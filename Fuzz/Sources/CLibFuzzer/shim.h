// libFuzzer's driver, callable from a program's own main(); defined in the runtime that
// -sanitize=fuzzer links (compiler-rt's FuzzerDriver.cpp).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
