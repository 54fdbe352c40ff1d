// libFuzzer executable for FuzzTarget.authorizationHeader (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzAuthorizationHeader {
    static func main() { LibFuzzer.run(.authorizationHeader) }
}
