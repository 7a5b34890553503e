package io.statehouse.runtime;

/**
 * The one serialization marker. Every command, reply, event and state implements it, and config
 * binds it once to Pekko's Jackson CBOR serializer, so anything that crosses a node boundary or
 * enters the journal is serialized the same way. Tests run with serialization checks on.
 */
public interface CborSerializable {}
