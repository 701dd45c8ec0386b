# Sourced by ./mvnw and ./tollgate: sets JAVA_HOME to a JDK that can build Tollgate (21 or newer).
#
# JAVA_HOME is honoured when it is set. Otherwise the `java` on PATH is tried, then the usual install
# locations, and the newest suitable JDK wins. When none is found the message says what to install.

tollgate_jdk_feature() {
  # Prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing if it is not a JDK.
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

tollgate_find_jdk() {
  required=21
  if [ -n "${JAVA_HOME-}" ]; then
    feature=$(tollgate_jdk_feature "$JAVA_HOME")
    if [ -n "$feature" ] && [ "$feature" -ge "$required" ]; then
      return 0
    fi
    what="not a JDK"
    [ -n "$feature" ] && what="JDK $feature"
    echo "tollgate: JAVA_HOME=$JAVA_HOME is $what; the build needs JDK $required or newer." >&2
    echo "tollgate: unset JAVA_HOME to let the build find one, or point it at a JDK $required+ (for example: apt-get install openjdk-21-jdk-headless)." >&2
    return 1
  fi

  best="" best_feature=0
  path_java=$(command -v java 2>/dev/null || true)
  path_home=""
  if [ -n "$path_java" ]; then
    path_home=$(dirname "$(dirname "$(readlink -f "$path_java")")")
  fi
  # mvnw runs with `set -f`; the candidate list needs globbing.
  case $- in *f*) restore_noglob=1; set +f ;; *) restore_noglob=0 ;; esac
  for candidate in "$path_home" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] || continue
    feature=$(tollgate_jdk_feature "$candidate")
    [ -n "$feature" ] || continue
    if [ "$feature" -ge "$required" ] && [ "$feature" -gt "$best_feature" ]; then
      best=$candidate best_feature=$feature
    fi
  done
  [ "$restore_noglob" = 1 ] && set -f
  if [ -z "$best" ]; then
    echo "tollgate: no JDK $required or newer found (looked at JAVA_HOME, PATH, /usr/lib/jvm, /opt, ~/.sdkman)." >&2
    echo "tollgate: install one, for example 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME." >&2
    return 1
  fi
  JAVA_HOME=$best
  export JAVA_HOME
}

tollgate_find_jdk || exit 1

# JDK 24+ warns on every sun.misc.Unsafe use inside Maven itself (Guice, Guava); the flag silences it and
# is unknown to older JDKs, so it is only passed where it exists.
if [ "$(tollgate_jdk_feature "$JAVA_HOME")" -ge 24 ]; then
  case "${MAVEN_OPTS-}" in
    *sun-misc-unsafe-memory-access*) ;;
    *) MAVEN_OPTS="${MAVEN_OPTS-} --sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
  esac
fi
