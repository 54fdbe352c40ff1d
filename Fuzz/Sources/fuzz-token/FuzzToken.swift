// libFuzzer executable for FuzzTarget.token (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzToken {
    static func main() { LibFuzzer.run(.token) }
}
