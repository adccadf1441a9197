"""Federation: node identity and keys, signed HTTP messages between nodes (RFC 9421, Ed25519, RFC 9530 digests)."""
