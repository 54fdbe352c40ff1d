// libFuzzer executable for FuzzTarget.jsonBody (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzJSONBody {
    static func main() { LibFuzzer.run(.jsonBody) }
}
