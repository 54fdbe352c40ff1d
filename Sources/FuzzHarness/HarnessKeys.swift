// The fixed keys and clock the fuzz targets verify with. They are in the repository so that the
// seed tokens in Fuzz/Corpus verify: public test keys, never to be configured in a deployment.
package import AuthServer
package import JWT

package enum HarnessKeys {
    /// The instant every target verifies at (2023-11-14T22:13:20Z): the seed tokens expire a
    /// day after it, so they stay valid for the harness whatever the real date.
    package static let now: Double = 1_700_000_000

    /// The HS256 secret (authd's default algorithm).
    static let hmacSecret = Array("authd fuzz harness HS256 secret; public, never deploy it".utf8)

    /// authd's token rules with the HS256 secret and default settings, as `authd serve` builds them.
    package static let authority = makeAuthority { _ in }

    /// The same, with the checks a deployment may add: an audience, an issuer and a leeway.
    package static let authorityWithAudience = makeAuthority {
        $0.audience = .one(audience)
        $0.issuer = issuer
        $0.leeway = 30
    }

    /// The audience and issuer `authorityWithAudience` requires. Each holds a character that
    /// Swift's String == takes as equal to another spelling: "K" to U+212A KELVIN SIGN, U+00E9
    /// to "e" + U+0301. PyJWT compares code points, so a token with the other spelling must be
    /// refused. (Lowercase ASCII has no such second spelling: with it, fuzzing could not get there.)
    package static let audience = "authd-fuzz-K"
    package static let issuer = "https://authd.example/caf\u{E9}"

    /// The same secret as a key, for signing tokens the authority must accept.
    package static let hs256 = try! JWTKey.hmac(secret: hmacSecret, algorithm: .HS256)

    /// A P-256 key, key ID "es"; the first in `asymmetricVerifier`, so tokens without `kid` select it.
    package static let es256 = try! JWTKey.pem(es256PEM, algorithm: .ES256, keyID: "es")

    /// A 2048-bit RSA key, key ID "rs".
    package static let rs256 = try! JWTKey.pem(rs256PEM, algorithm: .RS256, keyID: "rs")

    /// ES256 and RS256 in one set: the token's `kid` and `alg` choose between them.
    package static let asymmetricVerifier = JWTVerifier(keys: try! JWTKeySet([es256, rs256]))

    private static func makeAuthority(_ configure: (inout Settings) -> Void) -> TokenAuthority {
        var settings = Settings()
        settings.algorithm = .HS256
        settings.signingKey = hmacSecret
        configure(&settings)
        return try! TokenAuthority(settings: settings)  // constant settings: failing is a harness bug
    }

    static let es256PEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKWVErUe6fnUOJnnR
        FTb0EO0Vz/me99/VFROc1LwabAWhRANCAAQ0bwFkAvVm3nVuE0pxdYUacegw0Wvm
        fV3o6ZkCQPwwOBEzqbftaJl8Msj1SL26jY+RIT8+Wa4j9oeVkS9y0ySp
        -----END PRIVATE KEY-----
        """

    static let rs256PEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQDGH3HJ1Z5sS4sv
        mP90lG5Zol6exkFhK3dKA+WFRWQgzQHWDCgksnMUbP42NBo5WQ8ORusKsGboO0Y/
        N8NzBTFZn46XKpasw8BeAmIWJ7yC1pikiyQsCr11FRmx0at76CqT4AsjJZbee82z
        8LqHhEVamogapWv5VI3YZ7hZWo7PIv45ZQ46BqBhh3Z0MEVXLUC7rky7YVZsl0xB
        zFfethDFJIvrMta6bwszByyqjv7FM0+MqecntZqJee+75SunLVdFEjOWhC1rJKU2
        FdHz7KAh3Sa4aVIWh/Hw3bYdVysIGmouY8tSK8ESIWxnDPmeTNqjDlPnblux+M7B
        N93gfiPLAgMBAAECggEAE8aAt5o0cW/K6UnWub61EwpTcnqsfPP3OLKR3s8R0vpT
        hBd7jEoplXDZoPRrZ6z9hTnL7Sm1Y9nCxb2dqyXqCp2UAH+2QXFaiqenPbnipZag
        7s+aoTDDP2QHSAn7GWePlGoJAo2WdQebfSn6nFs2BvikvDAlymHHtMGJk5Wn6oHR
        KTinHvK2OKuLaJwyvVwBJRdkIaVJXjAHdwqK95WXUP30GqgW5O5sEahoAiXhAWem
        Urkr96CLCleMaHmYZLk1B09sth2CKwMZERWFSbEr3xc8Dlo1zzmgrwgr1DmbkD86
        PQpUYxONwpGYfdDmSFnKlcIDkG90BlmUDnpRZWQBzQKBgQDrGd5A5eRyDoglufSL
        WbK5K+GEL2o+7a6FISP/ymjW8Hqk758a/Flfequh3m8bkJgWQuDmSCxGkW/VRMLr
        hMh2pX8UOBm4FL4xptqd+uVfhodfC4GqyfwTCpE8Wd6v6Afpo/Jfnrd/tYqOld5y
        32n0yHImVv3B6KLlIDCGW3a9lwKBgQDXvBKoAnxDNQyALBx7uXjxxQqWh/UEYSG7
        hXfqGwzVY1umCMcJe58Xq5TALM+2xsTBo4B1rcGx75o6Fdg7dv/cW2JcGrlDwMIQ
        EmNSNzILMngndE49KweoUefJkDnkqGgIHNfv4d7JWaPqYgERRdv0NufQF8RjycgX
        iCnYFrY57QJ/QTPrcBRSR0/AcrYgHIXEC5cf9Ikx7kH9JO8MDOUWLoaDfTr35YQX
        RWPANiR6rCpuA76IoVVi8i9j1MI9TRSGhGFh3Tmx6FvYY+zitO3gr52f7bxDOhrK
        zn0fyp0iJac0ipftoJdkTQcMZn8qMrHDsR/miLuXpS/f/avvyVOUmwKBgQDDrlcp
        x99YwqSNGfXYD9rxSa4Z7kZDa6tCQYUMdu7EG3SE/M80/cnHmZ26Vqst+ct8bMbX
        dv0LXe8BotDY106rXMSyEJddKlmcZGFssJ4W4/dyqh9RgldWyLw66zRoAI0kVq1T
        bAg9kK6KqcyYE0q4kJjh+rzrWprBJYP2+lrd3QKBgG7X1Yyx3IFHy0tLbwS3nEnz
        XJNAOeKuwb7MxxF3L1HDPsauYDdi5d2Wf9uE1WmdPG9h5Zbx60K/bulFfPMR50zx
        +QRtnd0USZ6cxQ2JtsNzR8/0wJ/wgFcpDHa2QTBY1oo7f3wPE79/bhNpY6qnayTf
        TJWNOOtqCvK44Op4RjEj
        -----END PRIVATE KEY-----
        """
}
