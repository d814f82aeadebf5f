package dev.potluck.node.cli;

/** Opens {@link UnpublishCommand#digestOf} to tests in other packages. */
public final class UnpublishCommandAccess {
  private UnpublishCommandAccess() {}

  public static String digestOf(String target) {
    return UnpublishCommand.digestOf(target);
  }
}
