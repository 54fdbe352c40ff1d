// libFuzzer executable for FuzzTarget.multipartBody (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzMultipartBody {
    static func main() { LibFuzzer.run(.multipartBody) }
}
