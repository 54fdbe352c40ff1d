// libFuzzer executable for FuzzTarget.claims (scripts/fuzz builds and runs it).
import FuzzHarness
import LibFuzzerDriver

@main enum FuzzClaims {
    static func main() { LibFuzzer.run(.claims) }
}
