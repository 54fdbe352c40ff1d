#!/usr/bin/env python3
"""PyJWT interop helper for the authd Swift test suite.

The Swift tests run this as a subprocess to prove that tokens authd signs are
accepted by PyJWT (what djangorestframework-simplejwt uses) and that tokens
PyJWT signs are accepted by authd. Needs only PyJWT and cryptography, pinned in
Tests/Interop/requirements.txt:

    pip install -r Tests/Interop/requirements.txt

Commands (results on stdout):

    sign ALG KEYFILE            claims JSON object on stdin -> compact JWT signed by PyJWT
                                (PyJWT's default header {"alg":ALG,"typ":"JWT"}).
                                KEYFILE: PEM private key for RS*/PS*/ES*/EdDSA, or a file whose
                                raw bytes are the HMAC secret for HS* (no newline stripping).
    verify ALG KEYFILE TOKEN [--audience X] [--issuer Y]
                                jwt.decode(TOKEN, key, algorithms=[ALG],
                                options={"require": ["exp"]}, audience=X, issuer=Y);
                                prints the claims as compact JSON with sorted keys.
                                KEYFILE: PEM public key, or the raw HMAC secret for HS*.
                                --audience may be repeated (a list is passed to PyJWT).
    jwk PEMFILE                 public JWK that PyJWT's RSAAlgorithm/ECAlgorithm/OKPAlgorithm
                                .to_jwk produces for the key (a private key is reduced to
                                its public key), without "alg"/"kid"/"key_ops"; compact
                                JSON, sorted keys.
    version                     "PyJWT <version> cryptography <version>"

Exit status: 0 success; 1 verification (or PyJWT signing/key) failure, with a one-line
reason on stderr; 2 usage error (bad arguments, unknown algorithm, unreadable file,
stdin not a JSON object, file not a PEM key).

Notes on PyJWT behaviour the tests may run into (PyJWT 2.15):
  * HS* secrets shorter than the hash output (32/48/64 bytes) are accepted, with an
    InsecureKeyLengthWarning; this script reports it as one "warning:" line on stderr.
  * HS* secrets that look like PEM/SSH/DER public keys or certificates are refused
    (InvalidKeyError) on both sign and verify -> exit 1.
  * With no --audience, a token that carries "aud" is rejected (InvalidAudienceError).
  * "sub" and "jti", when present, must be strings; "iat" must be a number and not in
    the future; "nbf" must not be in the future.
"""

import json
import sys
import warnings

USAGE = """usage:
  pyjwt_interop.py sign ALG KEYFILE            (claims JSON object on stdin)
  pyjwt_interop.py verify ALG KEYFILE TOKEN [--audience X]... [--issuer Y]
  pyjwt_interop.py jwk PEMFILE
  pyjwt_interop.py version"""

PROG = "pyjwt_interop"


def usage_error(msg):
    sys.stderr.write("%s: %s\n%s\n" % (PROG, msg, USAGE))
    sys.exit(2)


def fail(msg):
    """Verification failure: exit 1 with a one-line reason."""
    line = " ".join(str(msg).split())
    sys.stderr.write("%s: %s\n" % (PROG, line))
    sys.exit(1)


def write_stdout(text):
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def compact_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


try:
    import jwt
    from jwt.algorithms import get_default_algorithms
    import cryptography
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
    )
except ImportError as exc:  # not a verification failure: the environment is wrong
    sys.stderr.write("%s: %s (pip install -r Tests/Interop/requirements.txt)\n" % (PROG, exc))
    sys.exit(2)


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    return "%s: warning: %s: %s\n" % (PROG, category.__name__, " ".join(str(message).split()))


warnings.formatwarning = _one_line_warning
warnings.simplefilter("always")

ALGORITHMS = sorted(a for a in get_default_algorithms() if a != "none")


def check_alg(alg):
    if alg not in ALGORITHMS:
        usage_error("unknown algorithm %r (PyJWT supports: %s)" % (alg, " ".join(ALGORITHMS)))
    return alg


def read_key(alg, path):
    """Key material exactly as simplejwt hands it to PyJWT: HMAC secret as raw bytes,
    PEM keys as text."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        usage_error("cannot read key file: %s" % exc)
    if alg.startswith("HS"):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        usage_error("key file %s is not a PEM text file" % path)


def cmd_sign(args):
    if len(args) != 2:
        usage_error("sign takes ALG KEYFILE")
    alg = check_alg(args[0])
    key = read_key(alg, args[1])
    raw = sys.stdin.buffer.read()
    try:
        claims = json.loads(raw)
    except ValueError as exc:
        usage_error("stdin is not JSON: %s" % exc)
    if not isinstance(claims, dict):
        usage_error("stdin must be a JSON object of claims")
    try:
        token = jwt.encode(claims, key, algorithm=alg)
    except Exception as exc:  # PyJWTError, or e.g. a public/wrong-type key for ALG
        fail("sign failed: %s: %s" % (type(exc).__name__, exc))
    write_stdout(token)


def cmd_verify(args):
    positional = []
    audiences = []
    issuer = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--audience", "--issuer"):
            if i + 1 >= len(args):
                usage_error("%s needs a value" % a)
            if a == "--audience":
                audiences.append(args[i + 1])
            else:
                if issuer is not None:
                    usage_error("--issuer given twice")
                issuer = args[i + 1]
            i += 2
        elif a.startswith("--audience="):
            audiences.append(a.split("=", 1)[1])
            i += 1
        elif a.startswith("--issuer="):
            issuer = a.split("=", 1)[1]
            i += 1
        elif a.startswith("--"):
            usage_error("unknown option %s" % a)
        else:
            positional.append(a)
            i += 1
    if len(positional) != 3:
        usage_error("verify takes ALG KEYFILE TOKEN")
    alg = check_alg(positional[0])
    key = read_key(alg, positional[1])
    token = positional[2]
    kwargs = {}
    if audiences:
        kwargs["audience"] = audiences[0] if len(audiences) == 1 else audiences
    if issuer is not None:
        kwargs["issuer"] = issuer
    try:
        claims = jwt.decode(token, key, algorithms=[alg], options={"require": ["exp"]}, **kwargs)
    except Exception as exc:  # PyJWTError (bad signature, expired, ...), or a wrong-type key
        fail("verify failed: %s: %s" % (type(exc).__name__, exc))
    write_stdout(compact_json(claims))


def cmd_jwk(args):
    if len(args) != 1:
        usage_error("jwk takes PEMFILE")
    try:
        with open(args[0], "rb") as f:
            pem = f.read()
    except OSError as exc:
        usage_error("cannot read key file: %s" % exc)
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError):
        try:
            key = load_pem_private_key(pem, password=None).public_key()
        except (ValueError, TypeError) as exc:
            usage_error("not a PEM public or unencrypted private key: %s" % exc)

    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

    if isinstance(key, rsa.RSAPublicKey):
        obj = RSAAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        try:
            obj = ECAlgorithm.to_jwk(key, as_dict=True)
        except jwt.PyJWTError as exc:
            usage_error("unsupported EC key: %s" % exc)
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        obj = OKPAlgorithm.to_jwk(key, as_dict=True)
    else:
        usage_error("unsupported key type %s" % type(key).__name__)
    for field in ("alg", "kid", "key_ops"):
        obj.pop(field, None)
    write_stdout(compact_json(obj))


def cmd_version(args):
    if args:
        usage_error("version takes no arguments")
    write_stdout("PyJWT %s cryptography %s" % (jwt.__version__, cryptography.__version__))


COMMANDS = {"sign": cmd_sign, "verify": cmd_verify, "jwk": cmd_jwk, "version": cmd_version}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        usage_error("missing or unknown command" if not argv else "unknown command %r" % argv[0])
    COMMANDS[argv[0]](argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
