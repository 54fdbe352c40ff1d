// libFuzzer executable for FuzzTarget.formBody (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzFormBody {
    static func main() { LibFuzzer.run(.formBody) }
}
