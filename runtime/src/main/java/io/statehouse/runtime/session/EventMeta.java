package io.statehouse.runtime.session;

import io.statehouse.runtime.CborSerializable;
import java.time.Instant;

/**
 * What every session event carries besides its payload: when it happened, who caused it ({@code
 * user:<subject>}, {@code model}, {@code tool:<name>} or {@code runtime}), and the hash of the
 * event before it, which links the journal into a tamper-evident chain.
 */
public record EventMeta(Instant at, String actor, String prevHash) implements CborSerializable {}
