# shellcheck shell=bash
# Sourced by hwtests/lab/run: make sure the host has everything the lab needs.
# Idempotent: asks dpkg first and touches apt only when something is missing.

# Debian packages the lab needs on the host. The guest runs the host's root file
# system, so tools the tests use inside the guest (ping, tcpdump, lspci, modprobe)
# are host packages too.
LAB_PKGS=(
  linux-image-amd64 # the guest kernel and its modules (/boot, /lib/modules)
  busybox-static    # the initramfs' only binary
  cpio              # packs the initramfs
  kmod              # modprobe inside the guest
  iproute2 iputils-ping tcpdump pciutils
  ethtool           # the kernel peers' own counters (ethtool -S) in the pkt-gen, r8169 and 82599 checks
  socat             # relays the guest's link-pull port to QEMU's monitor
  dpdk dpdk-dev     # DPDK 22.11; dpdk-testpmd (in dpdk-dev on Debian 12): a sender we did not write (TestpmdFloodLabTest)
  # building the lab's QEMU (lib/qemu-build.sh) and the firmware it runs with
  gcc make pkg-config ninja-build python3-venv flex bison xz-utils
  libglib2.0-dev libpixman-1-dev libattr1-dev libfdt-dev zlib1g-dev
  seabios ipxe-qemu
)
# From bookworm-backports: QEMU >= 10 configures only with meson >= 1.5 and
# needs python3-pycotap; qemu-system-data carries the option ROMs of the same
# QEMU version (linuxboot_dma.bin for -kernel).
LAB_BPO_PKGS=(qemu-system-x86 meson python3-pycotap qemu-system-data) # qemu-system-x86: the default lab QEMU (LAB_OWN_QEMU=0)
LAB_MESON_MIN=1.5

lab_pkg_installed() { # PKG -> 0 when installed
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

lab_bpo_ok() { # PKG -> 0 when installed (meson: new enough)
  lab_pkg_installed "$1" || return 1
  [[ "$1" != meson ]] && return 0
  dpkg --compare-versions "$(dpkg-query -W -f='${Version}' meson 2>/dev/null)" ge "$LAB_MESON_MIN~"
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

# A deb-src entry for bookworm-backports: QEMU's source package (lib/qemu-build.sh).
lab_has_backports_src() {
  apt-get source --print-uris -t bookworm-backports qemu 2>/dev/null | grep -q '\.orig\.tar'
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

lab_add_backports_src() {
  local line uri key
  line=$(lab_debian_uri) || lab_die "cannot find the machine's Debian apt entry (for bookworm-backports sources)"
  read -r uri key <<<"$line"
  {
    echo "# Added by jnetmap hwtests/lab/run: the lab builds its QEMU from Debian's source package."
    echo "Types: deb-src"
    echo "URIs: $uri"
    echo "Suites: bookworm-backports"
    echo "Components: main"
    [[ "$key" != "-" ]] && echo "Signed-By: $key"
  } >/etc/apt/sources.list.d/jnetmap-lab-backports-src.sources
  lab_log "added apt source deb-src bookworm-backports ($uri)"
}

lab_install() {
  local missing=() bpo=() p src=0
  for p in "${LAB_PKGS[@]}"; do
    lab_pkg_installed "$p" || missing+=("$p")
  done
  for p in "${LAB_BPO_PKGS[@]}"; do
    lab_bpo_ok "$p" || bpo+=("$p")
  done
  lab_has_backports_src || src=1
  ((${#missing[@]} == 0 && ${#bpo[@]} == 0 && src == 0)) && return 0

  [[ $EUID -eq 0 ]] || lab_die "missing packages (${missing[*]} ${bpo[*]})$( ((src)) && echo ' and the deb-src entry for bookworm-backports'); run once as root"
  local log="$LAB_CACHE/apt.log"
  mkdir -p "$LAB_CACHE"
  lab_has_backports_source || lab_add_backports_source
  ((src)) && lab_add_backports_src
  lab_log "installing: ${missing[*]} ${bpo[*]:+${bpo[*]} (bookworm-backports)}"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -q -y -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confold --no-install-recommends)
  {
    apt-get -q update &&
      { ((${#missing[@]} == 0)) || "${apt[@]}" install "${missing[@]}"; } &&
      { ((${#bpo[@]} == 0)) || "${apt[@]}" -t bookworm-backports install "${bpo[@]}"; }
  } >"$log" 2>&1 || { tail -n 30 "$log" >&2; lab_die "package installation failed (log: $log)"; }
  for p in "${LAB_BPO_PKGS[@]}"; do
    lab_bpo_ok "$p" || lab_die "$p from bookworm-backports still missing (log: $log)"
  done
  lab_has_backports_src || lab_die "apt still has no source package for QEMU in bookworm-backports (log: $log)"
}
