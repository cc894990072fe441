# shellcheck shell=bash
# The JDKs the lab guest may run, for hwtests/lab/run (the guest's JAVA_HOME) and hwtests/lab/suite
# prepare (the tools' CDS archive is dumped by that same JDK). LAB_JAVA picks one: 17 (default) or 25.
LAB_JDK17=${LAB_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
LAB_JDK25=${LAB_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}

# Prints the JAVA_HOME that LAB_JAVA names; status 1 (and nothing printed) when it names neither.
lab_java_home() {
  case "${LAB_JAVA:-17}" in
    17) printf '%s\n' "$LAB_JDK17" ;;
    25) printf '%s\n' "$LAB_JDK25" ;;
    *) return 1 ;;
  esac
}
