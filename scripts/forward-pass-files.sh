#!/usr/bin/env bash
# The moe4j source files (and their lines) one forward pass of the default model touches: runs
# scripts/ForwardPassFiles.java on core's classes with class-load logging and maps every loaded
# org.moe4j class to the file that declares it. Needs `./mvnw -q -pl core package -DskipTests` first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
moe4j_find_jdk
classes=core/target/classes
out=$(mktemp -d)
"$JAVA_HOME/bin/javac" -d "$out" -cp "$classes" --add-modules jdk.incubator.vector scripts/ForwardPassFiles.java 2>/dev/null
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$classes:$out" -Xlog:class+load=info:file="$out/load.log" \
    ForwardPassFiles 2>/dev/null
grep -o 'org\.moe4j\.[A-Za-z0-9_.$]*' "$out/load.log" | sed 's/\$.*//' | sort -u | while read -r cls; do
  f="core/src/main/java/${cls//.//}.java"
  [ -f "$f" ] && echo "$f"
done | sort -u > "$out/files"
xargs wc -l < "$out/files" | sort -n
echo "files: $(wc -l < "$out/files")"
rm -rf "$out"
