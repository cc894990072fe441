# shellcheck shell=bash
# Sourced by hwtests/lab/run: the lab's own QEMU, built from Debian's source
# package with jnetmap's device models (hwtests/lab/qemu/) added.
#
# The upstream tarball comes from the bookworm-backports source package (the
# same QEMU version the lab used as a binary package before) through apt's
# deb-src entry and is checked against the hash in apt's Sources index. The
# build is x86_64-softmmu only with the features the lab uses (TCG, KVM,
# virtio-9p); it lands in $LAB_CACHE/qemu-<version>-<key>/, where key hashes
# our model sources, this file and the configure options, so a machine builds
# once and rebuilds only when one of those or the QEMU version changes.

LAB_QEMU_SUITE=bookworm-backports
# Firmware from Debian's packages (the +ds tarball carries none): SeaBIOS,
# QEMU's option ROMs (linuxboot_dma.bin, kvmvapic.bin) and iPXE ROMs.
LAB_QEMU_FIRMWARE=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
LAB_QEMU_CONFIGURE=(
  --target-list=x86_64-softmmu
  --without-default-features
  --enable-tcg --enable-kvm --enable-virtfs --enable-attr --enable-fdt=system
  --disable-docs --disable-tools --disable-guest-agent --disable-install-blobs
  --python=/usr/bin/python3 # not a pyenv python without meson/pycotap
  "--firmwarepath=$LAB_QEMU_FIRMWARE"
)

# "VERSION URI SHA256 FILE" of the orig tarball of QEMU's source package.
lab_qemu_source() {
  local line
  line=$(apt-get source --print-uris -t "$LAB_QEMU_SUITE" qemu 2>/dev/null |
    awk '/\.orig\.tar\.xz/ { gsub(/\x27/, "", $1); print $1, $2, $4 }' | head -n1)
  [[ -n "$line" ]] || return 1
  local uri file sha ver
  read -r uri file sha <<<"$line"
  ver=${file#qemu_}
  ver=${ver%.orig.tar.xz}
  echo "$ver $uri ${sha#SHA256:} $file"
}

# The key of a build: model sources, the hook, this file, configure options.
lab_qemu_key() {
  local ver=$1
  {
    echo "$ver"
    printf '%s\n' "${LAB_QEMU_CONFIGURE[@]}"
    cat "$LAB_DIR/lib/qemu-build.sh"
    find "$LAB_DIR/qemu" -type f | LC_ALL=C sort | while read -r f; do
      echo "${f#"$LAB_DIR"/}"
      cat "$f"
    done
  } | sha256sum | cut -c1-16
}

# Prints the path of the lab's qemu-system-x86_64, building it when needed.
lab_qemu() {
  local src ver uri sha file key dir
  if [[ -n "${LAB_QEMU:-}" ]]; then # a model developer's own build tree
    [[ -x "$LAB_QEMU" ]] || lab_die "LAB_QEMU=$LAB_QEMU is not an executable"
    echo "$LAB_QEMU"
    return 0
  fi
  src=$(lab_qemu_source) ||
    lab_die "no QEMU source package in apt's index (need a deb-src entry for $LAB_QEMU_SUITE; run as root once so hwtests/lab/run adds it, then apt-get update)"
  read -r ver uri sha file <<<"$src"
  key=$(lab_qemu_key "$ver")
  dir="$LAB_CACHE/qemu-$ver-$key"
  if [[ -x "$dir/qemu-system-x86_64" ]]; then
    echo "$dir/qemu-system-x86_64"
    return 0
  fi
  mkdir -p "$LAB_CACHE"
  # One build per machine at a time; a second run waits and then finds it built.
  exec {lockfd}>"$LAB_CACHE/qemu-build.lock"
  flock "$lockfd"
  if [[ ! -x "$dir/qemu-system-x86_64" ]]; then
    lab_qemu_build "$ver" "$uri" "$sha" "$file" "$dir" >&2
  fi
  exec {lockfd}>&-
  echo "$dir/qemu-system-x86_64"
}

# The unpacked, configured source tree is kept ($LAB_CACHE/qemu-<version>-tree-<key>,
# key: QEMU version, configure options, add-models): when only a model changes,
# the rebuild compiles that file and links (about a minute), not all of QEMU.
lab_qemu_tree_key() {
  { echo "$1"; printf '%s\n' "${LAB_QEMU_CONFIGURE[@]}"; cat "$LAB_DIR/qemu/add-models"; } | sha256sum | cut -c1-16
}

lab_qemu_build() {
  local ver=$1 uri=$2 sha=$3 file=$4 dir=$5
  local tarball="$LAB_CACHE/src/$file" log="$dir.build.log"
  local tree="$LAB_CACHE/qemu-$ver-tree-$(lab_qemu_tree_key "$ver")"
  local t0=$SECONDS step
  rm -rf "$dir"
  mkdir -p "$LAB_CACHE/src"
  : >"$log"
  fail() { tail -n 40 "$log" >&2; lab_die "building QEMU failed while $step (log: $log)"; }
  if [[ ! -f "$tree/build/build.ninja" ]]; then
    lab_log "building QEMU $ver with jnetmap's models (once per machine; log: $log)"
    rm -rf "$tree"
    mkdir -p "$tree"
    step="downloading $file"
    if [[ ! -s "$tarball" ]] || ! echo "$sha  $tarball" | sha256sum -c --status; then
      /usr/lib/apt/apt-helper download-file "$uri" "$tarball.part" "SHA256:$sha" >>"$log" 2>&1 || fail
      mv "$tarball.part" "$tarball"
    fi
    step="unpacking $file"
    tar -xf "$tarball" -C "$tree" --strip-components=1 >>"$log" 2>&1 || { rm -rf "$tree"; fail; }
    step="adding the models (hwtests/lab/qemu/add-models)"
    "$LAB_DIR/qemu/add-models" "$tree" >>"$log" 2>&1 || { rm -rf "$tree"; fail; }
    step="configuring"
    mkdir -p "$tree/build"
    (cd "$tree/build" && ../configure "${LAB_QEMU_CONFIGURE[@]}" "--prefix=$dir") >>"$log" 2>&1 ||
      { rm -rf "$tree"; fail; }
  else
    lab_log "rebuilding QEMU $ver: our models changed (log: $log)"
    step="adding the models (hwtests/lab/qemu/add-models)"
    "$LAB_DIR/qemu/add-models" "$tree" >>"$log" 2>&1 || fail
  fi
  step="compiling (ninja)"
  (cd "$tree/build" && ninja -j"$(nproc)" qemu-system-x86_64) >>"$log" 2>&1 || fail
  step="checking the result (our models and the firmware it finds)"
  "$tree/build/qemu-system-x86_64" -device help 2>>"$log" | grep -q '"jnetmap-82599"' || fail
  local fw d found
  for fw in bios-256k.bin linuxboot_dma.bin kvmvapic.bin; do
    found=0
    for d in ${LAB_QEMU_FIRMWARE//:/ }; do [[ -e "$d/$fw" ]] && found=1; done
    ((found)) || { echo "no $fw in $LAB_QEMU_FIRMWARE (packages seabios, qemu-system-data)" >>"$log"; fail; }
  done
  mkdir -p "$dir.tmp"
  cp "$tree/build/qemu-system-x86_64" "$dir.tmp/"
  # outside its build tree the binary searches the configured firmware path
  "$dir.tmp/qemu-system-x86_64" -L help 2>>"$log" | grep -qx "${LAB_QEMU_FIRMWARE%%:*}" || {
    echo "the binary does not search $LAB_QEMU_FIRMWARE" >>"$log"
    rm -rf "$dir.tmp"
    fail
  }
  printf 'QEMU %s from %s\nkey %s\nbuilt %s in %ss\n' "$ver" "$file" "${dir##*-}" "$(date -u +%FT%TZ)" \
    "$((SECONDS - t0))" >"$dir.tmp/BUILD-INFO"
  mv "$dir.tmp" "$dir"
  mv "$log" "$dir/build.log"
  # Older binaries and trees of this cache are of no further use.
  local old
  for old in "$LAB_CACHE"/qemu-*; do
    [[ "$old" == "$dir" || "$old" == "$tree" || ! -d "$old" ]] && continue
    [[ -x "$old/qemu-system-x86_64" || -f "$old/build/build.ninja" || "$old" == *.tmp ]] && rm -rf "$old"
  done
  lab_log "built QEMU $ver in $((SECONDS - t0))s ($dir)"
}
