#!/usr/bin/python3
"""Verifies Motlan evidence offline, with PyJWT, against the gateway's published key set.

An implementation independent of the gateway's (Node `jose`): the e2e suite runs it to show that
evidence checks out with a standard JOSE library in another language. It is also the Python
example of docs/evidence.md.

Usage: verify_evidence.py <jwks.json> <evidence file> <issuer> [<revoked-keys.json>]
Prints the verified payload (JSON) and exits 0; otherwise prints "invalid: <reason>: <detail>" on
stderr and exits 1. Needs Debian's python3-jwt (>= 2.4) and python3-cryptography.
"""
import json
import sys

import jwt

EVIDENCE_TYPE = "motlan-evidence+jws"
ALGORITHMS = ["EdDSA", "ES256"]


def fail(reason, detail):
    print(f"invalid: {reason}: {detail}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        jwks = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        evidence = f.read().strip()
    issuer = sys.argv[3]
    revoked = {}
    if len(sys.argv) == 5:
        with open(sys.argv[4], encoding="utf-8") as f:
            revoked = {r["kid"]: r for r in json.load(f)["revoked"]}

    try:
        header = jwt.get_unverified_header(evidence)
    except jwt.DecodeError as error:
        fail("malformed", error)
    # typ keeps evidence from being taken for (or replayed as) some other JWS.
    if header.get("typ") != EVIDENCE_TYPE:
        fail("not_issued_here", f"typ is {header.get('typ')!r}")
    kid = header.get("kid")
    if kid in revoked:
        fail("revoked", f"key {kid} revoked at {revoked[kid]['revokedAt']} ({revoked[kid]['reason']})")
    # Select the key by kid; revoked keys are not in the set, so their evidence stops here too.
    jwk = next((k for k in jwks["keys"] if k.get("kid") == kid), None)
    if jwk is None:
        fail("unknown_key", f"no key with kid {kid!r} in the key set")
    # Only the key's own algorithm, and only asymmetric ones: no alg confusion, no "none".
    algorithms = [a for a in ALGORITHMS if a == jwk.get("alg")]
    try:
        payload = jwt.decode(
            evidence,
            key=jwt.PyJWK(jwk).key,
            algorithms=algorithms,
            issuer=issuer,
            options={"require": ["iss", "iat", "exp"]},
        )
    except jwt.InvalidSignatureError as error:
        fail("signature", error)
    except jwt.InvalidAlgorithmError as error:
        fail("signature", error)
    except jwt.ExpiredSignatureError as error:
        fail("expired", error)
    except jwt.InvalidIssuerError as error:
        fail("not_issued_here", error)
    except jwt.InvalidTokenError as error:
        fail("malformed", f"{type(error).__name__}: {error}")
    print(json.dumps(payload, ensure_ascii=False))


if __name__ == "__main__":
    main()
