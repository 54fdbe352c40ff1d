// Starts libFuzzer on one FuzzTarget.
//
// SwiftPM links an executable's main() under the name `<module>_main` and aliases `main` to it
// (so that tests can link the executable), which leaves libFuzzer's own main() unused. Each
// fuzz executable therefore has an ordinary @main that hands control to libFuzzer's driver.
import CLibFuzzer
public import FuzzHarness
import Glibc

public enum LibFuzzer {
    /// Runs libFuzzer with this process's arguments on `target`; never returns.
    public static func run(_ target: FuzzTarget) -> Never {
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

/// Set once, before libFuzzer starts, and only read afterwards (from libFuzzer's one thread).
nonisolated(unsafe) private var selected = FuzzTarget.token

/// libFuzzer's callback. Also the symbol its runtime requires every fuzzer to define.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
