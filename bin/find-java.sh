# Sourced by ./ftindex, ./run-tests and .ci/run: sets FTINDEX_JAVA_HOME to a JDK (or JRE, when
# FTINDEX_NEED_JAVAC is empty) of version 21 or newer, or explains what to install and fails.
# Looks at $JAVA_HOME, `java` on the PATH, and the usual JVM directories, in that order.

ftindex_java_major() {
    # Prints the feature version of the java executable $1 (17, 21, 25...), or nothing.
    local line
    line=$("$1" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version' || true)
    line=${line##*= }
    line=${line%%.*}
    case "$line" in
        1) echo 8 ;;
        ''|*[!0-9]*) ;;
        *) echo "$line" ;;
    esac
}

ftindex_find_java() {
    local minimum=21 candidate home major
    local -a candidates=()
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v java >/dev/null 2>&1; then
        candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    fi
    for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                     "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -d "$candidate" ] && candidates+=("$candidate")
    done
    for home in "${candidates[@]}"; do
        [ -x "$home/bin/java" ] || continue
        if [ -n "${FTINDEX_NEED_JAVAC:-}" ] && [ ! -x "$home/bin/javac" ]; then
            continue
        fi
        major=$(ftindex_java_major "$home/bin/java")
        if [ -n "$major" ] && [ "$major" -ge "$minimum" ]; then
            FTINDEX_JAVA_HOME=$home
            export FTINDEX_JAVA_HOME
            return 0
        fi
    done
    {
        echo "ftindex needs Java $minimum or newer${FTINDEX_NEED_JAVAC:+ (a JDK, with javac)}, and none was found."
        echo "Looked at: \$JAVA_HOME, java on the PATH, /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman, ~/.jdks."
        echo "Install one, for example:"
        echo "  Debian/Ubuntu: sudo apt-get install openjdk-21-jdk   (or Temurin 21+ from https://adoptium.net)"
        echo "  macOS:         brew install openjdk@21"
        echo "  SDKMAN:        sdk install java 21-tem"
        echo "or point JAVA_HOME at an installed JDK 21+."
    } >&2
    return 1
}
