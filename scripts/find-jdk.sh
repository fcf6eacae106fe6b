# Locates a JDK of at least version 25 and exports JAVA_HOME to it (POSIX sh).
# Sourced by ./mvnw, ./moe4j and .ci/run. Order: $JAVA_HOME, then the usual install folders,
# then the `java` on PATH. Returns 1, with a message naming every folder it tried, when none fits.
MOE4J_MIN_JAVA=25

moe4j_java_major() {
  # prints the major version of the JDK in folder $1, or nothing if it is not a JDK
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  _v=""
  [ -f "$1/release" ] && _v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  [ -n "$_v" ] || _v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  printf '%s' "$_v"
}

moe4j_try_jdk() {
  [ -d "$1" ] || return 1
  _major=$(moe4j_java_major "$1")
  if [ -n "$_major" ] && [ "$_major" -ge "$MOE4J_MIN_JAVA" ] 2>/dev/null; then
    JAVA_HOME="$1"; export JAVA_HOME
    return 0
  fi
  if [ -n "$_major" ]; then _what="Java $_major"; else _what="not a JDK"; fi
  moe4j_tried="$moe4j_tried
  $1 ($_what)"
  return 1
}

moe4j_find_jdk() {
  moe4j_tried=""
  [ -n "${JAVA_HOME:-}" ] && moe4j_try_jdk "$JAVA_HOME" && return 0
  for _c in /usr/lib/jvm/* /usr/java/* /usr/local/lib/jvm/* /opt/*jdk* /opt/java/* \
            "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    moe4j_try_jdk "$_c" && return 0
  done
  if command -v java >/dev/null 2>&1; then
    moe4j_try_jdk "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" && return 0
  fi
  {
    echo "moe4j needs a JDK $MOE4J_MIN_JAVA or newer (with javac) and found none."
    echo "Tried, in order:${moe4j_tried:- nothing (JAVA_HOME unset, no JDK in the usual folders, no java on PATH)}"
    echo "Install one (for example Temurin 25 or Debian's openjdk-25-jdk) or set JAVA_HOME to its folder."
  } >&2
  return 1
}
