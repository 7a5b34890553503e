package io.statehouse.runtime.catalog;

/**
 * A definition the catalog versions: registering it again unchanged keeps its version, a change
 * gets the next one.
 */
public interface Versioned<T> {
  int version();

  T withVersion(int newVersion);

  /** Same definition, ignoring the version the catalog assigned. */
  boolean sameDefinitionAs(T other);
}
