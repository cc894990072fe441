# shellcheck shell=bash
# Sourced by hwtests/lab/run: make sure the host has everything the lab needs.
# Idempotent: asks dpkg first and touches apt only when something is missing.

# Debian packages the lab needs on the host. The guest runs the host's root file
# system, so tools the tests use inside the guest (ping, tcpdump, lspci, modprobe)
# are host packages too.
LAB_PKGS=(
  qemu-system-x86   # from bookworm-backports: >= 8.0 has the igb model
  linux-image-amd64 # the guest kernel and its modules (/boot, /lib/modules)
  busybox-static    # the initramfs' only binary
  cpio              # packs the initramfs
  kmod              # modprobe inside the guest
  iproute2 iputils-ping tcpdump pciutils
  socat             # relays the guest's link-pull port to QEMU's monitor
  dpdk dpdk-dev     # DPDK 22.11; dpdk-testpmd (in dpdk-dev on Debian 12): a sender we did not write (TestpmdFloodLabTest)
)
LAB_QEMU_MIN=8.0

lab_pkg_installed() { # PKG -> 0 when installed
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

lab_qemu_ok() {
  lab_pkg_installed qemu-system-x86 || return 1
  local v
  v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null) || return 1
  dpkg --compare-versions "$v" ge "1:$LAB_QEMU_MIN~"
}

# The URI and keyring of the machine's main Debian entry, printed as "URI KEYRING".
lab_debian_uri() {
  local f
  # deb822 files first (Debian 12 default), then one-line lists.
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    awk '
      function flush() {
        if (uri != "" && suites ~ /(^|[ \t])bookworm([ \t]|$)/ && types ~ /(^|[ \t])deb([ \t]|$)/) {
          print uri, (key == "" ? "-" : key); found = 1; exit
        }
        uri = ""; suites = ""; types = ""; key = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "uris:"      { uri = $2 }
      tolower($1) == "suites:"    { $1 = ""; suites = $0 }
      tolower($1) == "types:"     { $1 = ""; types = $0 }
      tolower($1) == "signed-by:" { key = $2 }
      END { if (!found) flush() }
    ' "$f" | head -n1 | grep . && return 0
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    # deb [options] URI bookworm components...
    awk '$1 == "deb" {
           i = 2; key = "-"
           if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) } i++ }
                             if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) } i++ }
           if ($(i + 1) == "bookworm") { print $i, key; exit }
         }' "$f" | head -n1 | grep . && return 0
  done
  return 1
}

lab_has_backports_source() {
  grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

lab_add_backports_source() {
  local line uri key
  line=$(lab_debian_uri) || lab_die "cannot find the machine's Debian apt entry (for bookworm-backports)"
  read -r uri key <<<"$line"
  {
    echo "# Added by jnetmap hwtests/lab/run: QEMU >= 8 (igb model) comes from backports."
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: bookworm-backports"
    echo "Components: main"
    [[ "$key" != "-" ]] && echo "Signed-By: $key"
  } >/etc/apt/sources.list.d/jnetmap-lab-backports.sources
  lab_log "added apt source bookworm-backports ($uri)"
}

lab_install() {
  local missing=() p qemu=0
  for p in "${LAB_PKGS[@]}"; do
    [[ "$p" == qemu-system-x86 ]] && continue
    lab_pkg_installed "$p" || missing+=("$p")
  done
  command -v qemu-system-x86_64 >/dev/null && lab_qemu_ok || qemu=1
  ((${#missing[@]} == 0 && qemu == 0)) && return 0

  [[ $EUID -eq 0 ]] || lab_die "missing packages (${missing[*]} $( ((qemu)) && echo qemu-system-x86)); run once as root"
  local log="$LAB_CACHE/apt.log" added=0
  mkdir -p "$LAB_CACHE"
  if ((qemu)) && ! lab_has_backports_source; then lab_add_backports_source; added=1; fi
  lab_log "installing: ${missing[*]} $( ((qemu)) && echo 'qemu-system-x86 (bookworm-backports)')"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confold --no-install-recommends)
  {
    apt-get -q update &&
      { ((${#missing[@]} == 0)) || "${apt[@]}" install "${missing[@]}"; } &&
      { ((qemu == 0)) || "${apt[@]}" -t bookworm-backports install qemu-system-x86; }
  } >"$log" 2>&1 || { tail -n 30 "$log" >&2; lab_die "package installation failed (log: $log)"; }
  lab_qemu_ok || lab_die "qemu-system-x86 >= $LAB_QEMU_MIN still missing (log: $log)"
  ((added)) || true
}
